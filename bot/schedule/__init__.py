"""When things happen: cutoff times, reminders, and the jobs that survive restarts."""
