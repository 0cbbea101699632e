"""Instructor-only tools: recording the TensorFlow reference, known mistakes, stub
generation. Never shipped in the student bundle (it would reveal the solutions)."""
