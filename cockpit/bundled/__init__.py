"""The shipped layouts and checklists: symlinks to the repository's layouts/ and checklists/."""
