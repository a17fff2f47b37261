"""The commands' logic, callable without click: one module per command, each with ``run(...) -> int``.

Exit statuses: 0 clean, 1 findings at or above the threshold, 2 usage or configuration error,
3 internal error (the command line maps unexpected exceptions to 3).
"""
