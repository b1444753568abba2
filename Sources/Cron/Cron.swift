// The Cron module: parsing of batch/v1 CronJob schedules and next/previous slot computation in
// IANA time zones. Pure: depends on Foundation only and never reads the clock.
