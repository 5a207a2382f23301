/*
** wal.h — the "sdm-wal" VFS (wal.c): gathers each commit's WAL writes
** into one write() per 124 KiB, with the same durability as SQLite's own.
*/
#ifndef SDM_WAL_H
#define SDM_WAL_H
/* The VFS name to open databases with, registered once per process; NULL
** (SQLite's default) when the default VFS is too old to wrap. */
const char *wal_vfs_name(void);
/* WAL frames (pages) this process has appended through the VFS so far. */
unsigned long long wal_frames(void);
#endif
