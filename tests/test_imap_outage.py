"""An IMAP server that is down for a while (issue 16 part 4): the worker waits without
spinning, keeps its other work going, and reads what arrived once the server is back."""

from __future__ import annotations

import time

from test_faults import _cpu_seconds, worker  # noqa: F401  (the fixture)
from test_imap import _replies_in_db, _sent_ids, _wait_for, reply

OUTAGE_S = 20.0


def test_worker_waits_out_a_20_s_imap_outage_idle_and_reads_the_reply_after(worker, dovecot):  # noqa: F811
    config, process, log = worker
    ids = _sent_ids(config)
    cpu_before, started = _cpu_seconds(process.pid), time.monotonic()
    dovecot.stop()
    time.sleep(OUTAGE_S)
    cpu = _cpu_seconds(process.pid) - cpu_before
    outage = time.monotonic() - started
    dovecot.start()
    back = time.monotonic()
    dovecot.append(reply("after-outage@acme.example", ids["2026-001"], "Paid yesterday."))
    # 1, 2, 4, 8 and 16 s between attempts: the one after a 20 s outage comes within 16 s
    _wait_for(lambda: _replies_in_db(config) == 1, 40)
    text = log.read_text()
    attempts = text.count("reconnecting in")
    print(f"IMAP down {outage:.1f} s: CPU {cpu:.2f} s ({100 * cpu / outage:.1f} %), "
          f"{attempts} reconnect attempts logged; reply read {time.monotonic() - back:.1f} s "
          "after the server was back")  # fmt: skip
    assert cpu / outage < 0.05, f"CPU {cpu:.2f} s over {outage:.1f} s of outage"
    assert 2 <= attempts <= 8, text  # backing off, not hammering the port
    assert process.poll() is None, text
    time.sleep(1.5)  # time for a duplicate to show
    assert _replies_in_db(config) == 1
