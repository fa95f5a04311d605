package connector

// Option configures a Connector built by NewWithClient.
type Option func(*Connector)

// WithSyncBoards turns the boards and projects sync on or off (--sync-boards).
// Off, the board and project types are not registered and no board or project
// call is made.
func WithSyncBoards(on bool) Option {
	return func(c *Connector) { c.syncBoards = on }
}

// WithTeamGroups turns off (false) the listing of the user groups attached to
// each team. New turns it off when the sync leaves out the user_group type
// (--sync-resource-types without it): those grants would name groups the sync
// never listed.
func WithTeamGroups(on bool) Option {
	return func(c *Connector) { c.noTeamGroups = !on }
}

// WithoutPrefetch turns off fetching team-member pages ahead of the SDK: for a
// sync that will not ask for grants (--skip-entitlements-and-grants), where
// those pages would be credits spent for nothing.
func WithoutPrefetch() Option {
	return func(c *Connector) { c.noPrefetch = true }
}

// WithTeamSettings turns on reading each team's settings (--sync-team-settings):
// one call per team, the sharing policy on the team's profile.
func WithTeamSettings(on bool) Option {
	return func(c *Connector) { c.teamSettings = on }
}

// WithBoardClassification turns on reading each board's data classification
// label (--sync-board-classification, with --sync-boards): one call per org
// for the labels plus one per board.
func WithBoardClassification(on bool) Option {
	return func(c *Connector) { c.classify = on }
}

// WithWorkers tells the connector the SDK's sync worker count (--workers, as
// sdksync.NormalizeWorkerCount resolves it; main reads the flag): the client
// keeps at most that many calls in flight, and the prefetcher fetches team
// pages ahead only within it (prefetch.go). Below 1 counts as 1, the SDK's
// default of one worker.
func WithWorkers(n int) Option {
	return func(c *Connector) { c.workers = max(n, 1) }
}

// WithActionFailures calls report with the error of each action that fails.
// The SDK hands a failed action's error on only as text (a FAILED status
// with an "error" field), so its gRPC code would be lost: baton-miro's main
// records it for the exit status of a one-shot --invoke-action.
func WithActionFailures(report func(error)) Option {
	return func(c *Connector) { c.actionFailed = report }
}
