"""The domain of JoB as declarative tables: roles, workflows, INVRA, coaching rules."""
