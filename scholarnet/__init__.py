"""ScholarNet platform kernel: shared infrastructure with no business logic.

Apps import from here; nothing here imports from ``apps``.
"""
