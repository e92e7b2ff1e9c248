"""Dataset statistics and figures (the analysis of section 4 of the FineFake paper)."""
