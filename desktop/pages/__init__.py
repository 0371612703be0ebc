"""The workspace's practice-wide pages beside the patients area: the navigation bar, the
compliance dashboard, the mileage log and the reports. Each page frames one standalone panel
(``desktop.books``) with a title and a line saying what it is for, loads it the first time it is
shown after an unlock, and empties it on lock."""
