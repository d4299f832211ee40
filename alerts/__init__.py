"""Alert routing: channels (Slack, Teams, e-mail, a generic webhook, Jira), night mode, and
the router that sends one alert to every configured channel (see ``alerts.router``)."""
