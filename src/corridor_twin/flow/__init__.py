"""Capacity and flow analysis."""
