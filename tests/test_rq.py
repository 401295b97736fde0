"""RQ (a job queue whose results live in streams) end to end against Cairn: jobs
enqueued, worked by a real RQ worker, results read back (XADD, XREVRANGE, XREAD BLOCK),
failures in the failed-job registry, and all of it still there after a restart."""
import pytest
import redis

from conftest import start_cairn

rq = pytest.importorskip("rq")

import rq_tasks


def test_rq_worker_runs_jobs_and_keeps_results_across_restart(tmp_path):
    with start_cairn(tmp_path, "--appendfsync", "always") as server:
        r = redis.Redis(port=server.port)
        queue = rq.Queue("default", connection=r)
        jobs = [queue.enqueue(rq_tasks.add, i, 10) for i in range(5)]
        failing = queue.enqueue(rq_tasks.explode, "boom")
        assert queue.count == 6
        worker = rq.Worker([queue], connection=r)
        assert worker.work(burst=True) is True
        assert [job.return_value() for job in jobs] == [10, 11, 12, 13, 14]
        # Results are stream entries: XREVRANGE for the latest, XLEN for how many.
        latest = jobs[0].latest_result()
        assert latest.type == rq.results.Result.Type.SUCCESSFUL and latest.return_value == 10
        assert len(jobs[0].results()) == 1
        assert r.type(rq.results.Result.get_key(jobs[0].id)) == b"stream"
        # A result asked for with a timeout is read with XREAD BLOCK.
        assert jobs[1].latest_result(timeout=1).return_value == 11
        failing.refresh()
        assert failing.is_failed
        assert failing.id in rq.registry.FailedJobRegistry(queue=queue).get_job_ids()
        assert "boom" in failing.latest_result().exc_string
        assert queue.count == 0
        r.close()
    with start_cairn(tmp_path) as server:
        r = redis.Redis(port=server.port)
        queue = rq.Queue("default", connection=r)
        assert [rq.job.Job.fetch(job.id, connection=r).return_value() for job in jobs] == [10, 11, 12, 13, 14]
        assert failing.id in rq.registry.FailedJobRegistry(queue=queue).get_job_ids()
        # A new job after the restart, worked by a new worker.
        job = queue.enqueue(rq_tasks.add, 2, 3)
        rq.Worker([queue], connection=r).work(burst=True)
        assert job.latest_result(timeout=2).return_value == 5
        r.close()
