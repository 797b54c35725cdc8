"""Browser pages served by the API: the chat widget and the agent console."""
