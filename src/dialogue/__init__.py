"""dialogue: a server for facilitated e-dialogues."""
