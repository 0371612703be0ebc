"""Claims the practice files (issue 18): assembly, the CMS-1500 items, the 837P file (pure)."""
