"""Channel glue: the code that turns a chat platform's updates into calls on the core."""
