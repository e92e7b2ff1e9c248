"""The benchmark harness: tasks and splits, metrics, the resumable runner and the report writers."""
