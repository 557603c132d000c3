"""`jobtraject serve` for a page A/B: `python -m bench.serve_variant shared|unshared PORT THREADS`.

`unshared` serves the app as before one read session per request (each read model its own
pool checkout and transaction), `shared` as it is; nothing else differs. Loopback only;
DATABASE_URL and SECRET_KEY come from the environment.
"""

from __future__ import annotations

import os
import sys

from waitress import serve


def main() -> int:
    variant, port, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    from engine.store.db import Database
    from webui import create_app

    if variant == "unshared":
        Database.open_request = lambda self: self._request.set(None)  # type: ignore[method-assign]
    elif variant != "shared":
        raise SystemExit(f"unknown variant {variant}")
    app = create_app({"DATABASE_URL": os.environ["DATABASE_URL"], "SECRET_KEY": os.environ["SECRET_KEY"]})
    serve(app, host="127.0.0.1", port=port, threads=threads, ident="jobtraject")
    return 0


if __name__ == "__main__":
    sys.exit(main())
