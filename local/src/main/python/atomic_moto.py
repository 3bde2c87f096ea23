"""moto's server with one AWS request applied at a time.

DynamoDB applies each conditional write atomically. moto's threaded server does not: two
UpdateItem calls on one key can both pass their condition, and a concurrent reader can see an
item that holds only its key. Tests of "exactly one claim wins" need the real semantics, so this
launcher keeps moto's threaded connection handling but runs the application under one lock.
Long-polling SQS receives would hold that lock: callers here poll with WaitTimeSeconds=0.

usage: python3 atomic_moto.py PORT
"""
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_lock = threading.Lock()
_app = DomainDispatcherApplication(create_backend_app)


def _serialized(environ, start_response):
    with _lock:
        result = _app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
    return [body]


if __name__ == "__main__":
    run_simple("127.0.0.1", int(sys.argv[1]), _serialized, threaded=True)
