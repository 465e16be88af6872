"""A cluster of the portal on one machine (`make cluster`, tests/cluster): see run.py."""
