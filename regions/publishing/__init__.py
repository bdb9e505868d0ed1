"""Publishing approved posts to Facebook Pages."""
