"""Helpers for tests that run the real thing: server and worker processes over PostgreSQL and
Redis (``servers``) and network clients speaking the desk's HTTP and WebSocket protocol
(``clients``).  Nothing here imports Django: the processes under test are separate programs."""
