"""The run: one composition of the stages (`compose`), the steps it calls, and its typed
summary."""
