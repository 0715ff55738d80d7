/**
 * Preloaded (`--import`) into node processes that tests spawn with an IPC channel: when the channel closes,
 * the parent is gone (even killed with SIGKILL, which runs no hook), so this process goes too, at once.
 */
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}
