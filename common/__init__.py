"""What the outer packages (bot, actions, batch) share: the application's error base,
the command-line option blocks, and the chat wire constants. Imports nothing of them."""
