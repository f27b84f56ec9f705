"""HTTP pieces shared by every service: the app factory, problem details, health."""
