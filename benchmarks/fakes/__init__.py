"""Offline stand-ins for the outside world, shared by the benchmarks and the tests (which import
them from here, so that the benchmarks import nothing from tests/): the fake Telegram Bot API
server, ``citebot serve`` started as an operator would, and a throwaway PostgreSQL server."""
