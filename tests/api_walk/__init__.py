"""The walk over the public API under bad input (see ``engine``, ``examples`` and ``tests/test_api_walk.py``)."""
