"""Experiments: replications, statistics and parameter sweeps, all built on run_replication."""
