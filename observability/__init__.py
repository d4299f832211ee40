"""Logs and metrics the way an SRE reads them: JSON lines with the advertiser, workflow,
activity and trace they belong to (personal data masked), and the service's own metric
names (``models.telemetry``) beside the Temporal SDK's on each process's Prometheus port."""
