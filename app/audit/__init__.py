"""The audit log: who did what to which object, with the state before and after."""
