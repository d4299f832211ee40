"""``python -m simulator``: serve the simulator with uvicorn.

python -m simulator --host 127.0.0.1 --port 9000 [--scenario FILE] [--state-file FILE]
                    [--log-level info] [--no-admin] [--tick SECONDS] [--dump-scenario]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn

from simulator.app import create_app
from simulator.scenario import demo_scenario, load_scenario


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=9000, help="port (default 9000; 0 picks a free one)")
    parser.add_argument("--scenario", type=Path, help="scenario JSON file (default: the built-in demo)")
    parser.add_argument("--state-file", type=Path, help="persist state here and resume from it on start")
    parser.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    parser.add_argument("--no-admin", action="store_true", help="leave out the /sim/* admin API")
    parser.add_argument(
        "--tick", type=float, metavar="SECONDS", help="advance one simulated hour every SECONDS"
    )
    parser.add_argument("--dump-scenario", action="store_true", help="print the scenario JSON and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    scenario = load_scenario(args.scenario) if args.scenario else None
    if args.dump_scenario:
        print((scenario or demo_scenario()).model_dump_json(indent=2))
        return 0
    app = create_app(scenario, args.state_file, enable_admin=not args.no_admin, tick_seconds=args.tick)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
