import { startWarden } from '@warden/testing';

describe('startWarden() and stop()', () => {
  it('starts the real Warden on a free port, ready to serve, and stop() closes it', async () => {
    const rssBefore = process.memoryUsage().rss;
    const warden = await startWarden();
    const rssAfter = process.memoryUsage().rss;
    const health = await fetch(`${warden.url}/health/ready`);
    expect(health.status).toBe(200);
    const stopStarted = performance.now();
    await warden.stop();
    const stopMs = performance.now() - stopStarted;
    console.log(
      `[testing] startWarden ${warden.startupMs.toFixed(0)} ms to listening, stop ${stopMs.toFixed(0)} ms, ` +
        `rss +${((rssAfter - rssBefore) / 1048576).toFixed(0)} MiB (${(rssAfter / 1048576).toFixed(0)} MiB in all)`,
    );
    await expect(fetch(`${warden.url}/health/ready`)).rejects.toThrow();
  });
});
