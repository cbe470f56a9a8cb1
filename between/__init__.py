"""Between Sessions: therapeutic homework between therapy sessions."""
