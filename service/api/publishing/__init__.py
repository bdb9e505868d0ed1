"""Publishing to Facebook Pages: Page connections, retry and retract."""
