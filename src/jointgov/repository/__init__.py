"""Repository-wide checks: the organisations register and the rules across agreements (JG9xx)."""
