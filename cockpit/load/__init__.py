"""Turning users' files into the model, with every problem located as file:line:col."""
