"""The mock server of every API (``server``): its routes and example answers (``routes``), its request checks
(``checks``), the jobs it plays (``jobs``) and the downloads it streams (``downloads``)."""

from evaljobs._mock.jobs import MockClock
from evaljobs._mock.routes import RecordedRequest
from evaljobs._mock.server import Fault, MockServer

__all__ = ["Fault", "MockClock", "MockServer", "RecordedRequest"]
