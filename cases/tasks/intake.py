"""Intake tasks: run import jobs."""
