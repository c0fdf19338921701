"""Server-rendered pages: templating and the HTML routes of each area."""
