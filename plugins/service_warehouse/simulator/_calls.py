"""The call centre's day: queue calls through Asterisk queues, written as Asterisk writes them.

Callers arrive by office hours and the day's load, wait for a free member of their queue
(agents work shifts, pause for lunch, leave and join with ADDMEMBER/REMOVEMEMBER), give up
(ABANDON), time out, press a key to leave for another queue, or talk and hang up or get
transferred. queue_log lines carry UTC epochs; Master.csv rows are written when the caller's
channel hangs up, in the CDR time zone, 18 columns (uniqueid + userfield). Lines that happen
after local midnight go to the next day's files. Normal-life traps are written at a low rate:
NUL bytes after a crash, orphan ENTERQUEUE, CONFIGRELOAD lines, a system-name prefix on
uniqueids, non-UTF-8 caller names, ABANDON with a member name, duration one second short.
"""

from __future__ import annotations

import heapq
from itertools import accumulate
import random
from dataclasses import dataclass, field
from typing import NamedTuple

from service_warehouse.simulator import _data as D
from service_warehouse.simulator._clock import Formatter, stable_int
from service_warehouse.simulator._crm import digits, survey_row
from service_warehouse.simulator._world import Day, poisson, queue_weights

#: Half-hour arrival weights on a working day (index = half hour of the day).
WORKDAY_PROFILE = (
    [0.4, 0.3, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.3, 0.5, 0.8, 1.5, 3]  # 00:00-07:59
    + [6, 9, 11, 12, 12, 11, 10, 7, 6, 7, 10, 11, 11, 10, 9, 8, 7, 6, 5, 4]  # 08:00-17:59
    + [4, 3, 2.5, 2, 1.5, 1.2, 1, 0.8, 0.6, 0.5, 0.5, 0.4]  # 18:00-23:59
)
RESTDAY_PROFILE = [w if 16 <= i < 40 else w * 0.8 for i, w in enumerate(
    [0.4, 0.3, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2]
    + [4, 6, 7, 8, 8, 8, 7, 6, 6, 6, 7, 7, 7, 6, 6, 5, 5, 4, 4, 3]
    + [3, 2.5, 2, 1.5, 1.2, 1, 0.8, 0.6, 0.5, 0.4, 0.4, 0.3]
)]
OPEN_H, CLOSE_H = 8.5, 20.0
CDR_CONTEXT = "ext-queues"


@dataclass
class Caller:
    number: str  #: caller id as the trunk presents it ('' when withheld, 'anonymous')
    name: str
    customer_id: str | None


@dataclass
class Channel:
    """A caller's channel: one uniqueid, one CDR row when it hangs up."""

    uid: str
    name: str
    created: float
    caller: Caller
    queue_ext: str = ""
    queue: str = ""
    answered: float = 0.0  #: when Queue() answered the channel (its first ENTERQUEUE)


class Arrival(NamedTuple):
    """A caller entering a queue (ordered by time, then by a unique sequence number)."""

    at: int
    order: int
    queue: str
    caller: Caller
    channel: Channel | None = None
    hops: int = 0


@dataclass
class CallsOutput:
    """What the telephony platform wrote today (and what spills into tomorrow)."""

    qlog: list[tuple[int, tuple, str]] = field(default_factory=list)  # (epoch, order, text)
    cdr: list[tuple[int, tuple, bytes]] = field(default_factory=list)  # (end epoch, order, record)
    qa_rows: list[list[str]] = field(default_factory=list)
    qa_encoding: str = "utf-8"
    qa_newline: str = "\n"
    queue_calls: int = 0
    answered: int = 0
    abandoned: int = 0


def _q(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class _Line:
    """queue_log writer for one day: lines after midnight become tomorrow's."""

    def __init__(self, day: Day, out: CallsOutput) -> None:
        self.day, self.out, self.n = day, out, 0

    def __call__(self, epoch: int, callid: str, queue: str, agent: str, event: str, *data: object) -> None:
        self.n += 1
        text = f"{int(epoch)}|{callid}|{queue}|{agent}|{event}|{'|'.join(map(str, data))}"
        if epoch >= self.day.t1:
            self.day.emit(epoch, "carry_qlog", "queue_log", {"l": text})
        else:
            self.out.qlog.append((int(epoch), (1, self.n), text))


def _shifts(day: Day, queue_index: int, members: list[tuple], rng: random.Random) -> dict[str, list[tuple[int, int]]]:
    """Each member's working windows today (shift minus lunch), as UTC epochs."""
    from datetime import timedelta

    windows: dict[str, list[tuple[int, int]]] = {}
    rest = day.kind in ("holiday", "weekend")
    night_today = night_before = None
    if queue_index == 0 and len(members) > 2:  # the 24-hour hotline: one member covers each night
        night_today = members[stable_int(day.seed, day.day, "night") % len(members)][0]
        night_before = members[stable_int(day.seed, day.day - timedelta(days=1), "night") % len(members)][0]
    for i, agent in enumerate(members):
        aid = agent[0]
        sick = rng.random() < 0.05
        if sick or aid in (night_today, night_before):  # off sick, or works nights
            continue
        if rest and stable_int(day.seed, day.day, aid) % 100 >= 65:
            continue
        if rest:
            start, lunch, end = 9.0, 12.5, 18.0
        elif i % 5 < 3:  # 60 % on the early shift (the morning peak), 40 % on the late one
            start, lunch, end = 8.25, 12.0, 16.75
        else:
            start, lunch, end = 11.5, 17.25, 20.25
        start += rng.uniform(-0.1, 0.1)
        end += rng.uniform(-0.1, 0.2)
        lunch += rng.uniform(-0.25, 0.25)
        s, l0, l1, e = (day.t0 + int(h * 3600) for h in (start, lunch, lunch + rng.uniform(0.5, 0.75), end))
        windows[aid] = [(s, l0), (l1, e)]
    if night_today is not None:
        windows[night_today] = [(day.t0 + 20 * 3600, day.t1 + int(8.5 * 3600))]
        windows[f"{night_before}#night"] = [(day.t0 - 4 * 3600, day.t0 + int(8.5 * 3600))]
    for aid, spans in windows.items():  # a day shift running into the night shift: one span
        merged: list[tuple[int, int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
            else:
                merged.append((s, e))
        windows[aid] = merged
    return windows


def _next_ready(spans: list[tuple[int, int]], at: float) -> float | None:
    """The earliest moment at or after ``at`` inside one of the windows (None: gone for the day)."""
    for s, e in spans:
        if at < e:
            return max(at, s)
    return None


def _soonest(heap: list[tuple[float, float, str]], windows: dict, t: float) -> tuple[float, str] | None:
    """The member who can take a call entering at ``t`` soonest; leaves it at the heap's head."""
    while heap:
        ready, last, key = heap[0]
        if ready >= t:
            return ready, key
        nxt = _next_ready(windows[key], t)
        if nxt is None:
            heapq.heappop(heap)
        elif nxt == t:
            return t, key
        else:
            heapq.heapreplace(heap, (nxt, last, key))
    return None


def simulate_calls(day: Day, due_calls: list[tuple[int, dict]], carried: list[tuple[int, int, str]],
                   carried_cdr: list[tuple[int, int, bytes]], cdr_fmt: Formatter) -> CallsOutput:
    """Generate the day's queue_log, Master.csv rows and QA evaluations."""
    rng = day.rng("calls")
    out = CallsOutput()
    for epoch, seq, text in carried:
        out.qlog.append((epoch, (0, seq), text))
    for epoch, seq, raw in carried_cdr:
        out.cdr.append((epoch, (0, seq), raw))
    log = _Line(day, out)
    queues = day.queues
    queue_ext = {q: f"{700 + i}" for i, q in enumerate(queues)}
    counter = [day.counters.get("uid", 0)]
    restart_at = day.t0 + int(3 * 3600 + rng.uniform(120, 900))
    crash = stable_int(day.seed, day.day, "crash") % 10 == 0
    prefix = "ccpbx-" if stable_int(day.seed, day.day, "systemname") % 12 == 0 else ""
    did_number = "4008201234"

    def new_uid(created: float) -> str:
        if created >= restart_at and counter[0] >= 0 and not restarted[0]:
            restarted[0] = True
            counter[0] = 0
        counter[0] += 1
        pre = prefix if created >= restart_at else ""
        return f"{pre}{int(created)}.{counter[0] - 1}"

    restarted = [restart_at < day.t0]
    chan_counter = [stable_int(day.seed, day.day, "chan") % 4096]

    def chan(base: str) -> str:
        chan_counter[0] += 1
        return f"{base}-{chan_counter[0]:08x}"

    # --- members and their windows
    members_by_queue = {q: day.queue_agents.get(q, []) for q in queues}
    member_info: dict[str, tuple] = {a[0]: a for q in queues for a in members_by_queue[q]}
    windows: dict[str, dict[str, list[tuple[int, int]]]] = {}
    ready_heaps: dict[str, list[tuple[float, float, str]]] = {}
    for qi, q in enumerate(queues):
        w = _shifts(day, qi, members_by_queue[q], day.rng(f"shifts:{q}"))
        windows[q] = w
        ready_heaps[q] = sorted((spans[0][0], 0.0, key) for key, spans in w.items())
        for key, spans in w.items():
            aid = key.split("#")[0]
            agent = member_info[aid]
            if not key.endswith("#night"):  # (the night member joined yesterday)
                s = spans[0][0]
                log(s, "MANAGER", q, agent[4], "ADDMEMBER", "")
                log(s, "NONE", q, agent[5], "UNPAUSE", "")
            for (s0, e0), (s1, e1) in zip(spans, spans[1:]):
                if not key.endswith("#night") and e0 < s1 and s1 - e0 < 3 * 3600:
                    log(e0, "NONE", q, agent[5], "PAUSE", "Lunch")
                    log(s1, "NONE", q, agent[5], "UNPAUSE", "")
                elif not key.endswith("#night"):
                    log(e0, "MANAGER", q, agent[4], "REMOVEMEMBER", "")
                    log(s1, "MANAGER", q, agent[4], "ADDMEMBER", "")
            if not key.endswith("#night"):  # the night member's leaving was written yesterday
                log(spans[-1][1], "MANAGER", q, agent[4], "REMOVEMEMBER", "")

    # --- system lines: the nightly restart, config reloads, the odd crash
    if crash:
        orphan_at = restart_at - rng.randint(60, 600)
        uid = new_uid(orphan_at - 12)
        log(orphan_at, uid, queues[0], "NONE", "ENTERQUEUE", "", f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}", 1)
        log(restart_at, "NONE", "NONE", "NONE", "QUEUESTART", "")
        out.qlog[-1] = (out.qlog[-1][0], out.qlog[-1][1], "\0" * rng.randint(20, 120) + out.qlog[-1][2])
    else:
        log(restart_at, "NONE", "NONE", "NONE", "QUEUESTART", "")
    log(restart_at + 2, "NONE", "NONE", "NONE", "CONFIGRELOAD", "")
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        log(day.t0 + int(rng.uniform(9, 19) * 3600), "NONE", "NONE", "NONE", "CONFIGRELOAD", "")

    # --- arrivals
    profile = RESTDAY_PROFILE if day.kind in ("holiday", "weekend") else WORKDAY_PROFILE
    n_calls = poisson(rng, day.preset.calls_per_day * day.load)
    qcum = list(accumulate(queue_weights(len(queues))))  # cumulative weights: choices() is then O(log n)
    slot_cum = list(accumulate(profile))
    heap: list[Arrival] = []
    order = 0
    active = day.active
    for _ in range(n_calls):
        slot = rng.choices(range(48), cum_weights=slot_cum)[0]
        at = day.t0 + slot * 1800 + rng.randrange(1800)
        hour = slot / 2
        queue = queues[0] if not OPEN_H <= hour < CLOSE_H else rng.choices(queues, cum_weights=qcum)[0]
        r = rng.random()
        if r < 0.7 and active:
            c = active[rng.randrange(len(active))]
            caller = Caller(digits(c[3]), c[1], c[0])
        elif r < 0.94:
            num = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
            caller = Caller(num, num, None)
        elif r < 0.97:
            caller = Caller("anonymous", "Anonymous", None)
        else:
            caller = Caller("", "", None)
        order += 1
        heap.append(Arrival(at, order, queue, caller))
    for at, data in due_calls:
        order += 1
        q = data["queue"] if data["queue"] in queues else queues[0]
        heap.append(Arrival(at, order, q, Caller(data["number"], data["name"], data.get("customer_id"))))
    heapq.heapify(heap)

    waiting: dict[str, list[float]] = {q: [] for q in queues}
    answered_calls: list[tuple[str, str, int, int]] = []  # (callid, agent_id, connect, end)
    outbound_agents: list[tuple[int, tuple]] = []

    def cdr_row(accountcode: str, src: str, dst: str, dcontext: str, clid: bytes, channel: str, dstchannel: str,
                lastapp: str, lastdata: str, start: float, answer: float | None, end: float, disposition: str,
                uid: str, order_key: tuple) -> None:
        duration = int(end - start)
        billsec = int(end - answer) if answer is not None else 0
        plain = cdr_fmt.plain
        head = f"{_q(accountcode)},{_q(src)},{_q(dst)},{_q(dcontext)},"
        tail = (
            f",{_q(channel)},{_q(dstchannel)},{_q(lastapp)},{_q(lastdata)},\"{plain(int(start))}\","
            f"{_q(plain(int(answer))) if answer is not None else ''},\"{plain(int(end))}\",{duration},{billsec},"
            f"{_q(disposition)},\"DOCUMENTATION\",{_q(uid)},\"\"\n"
        )
        record = head.encode() + clid + tail.encode()
        if end >= day.t1:
            day.emit(int(end), "carry_cdr", "Master.csv", {"h": record.hex()})
        else:
            out.cdr.append((int(end), (1, *order_key), record))

    def clid_bytes(caller: Caller) -> bytes:
        name = caller.name or caller.number
        text = f'"{name}" <{caller.number}>' if caller.number else '""'
        if caller.customer_id and any("\u4e00" <= ch <= "\u9fff" for ch in name) and \
                stable_int(day.seed, caller.customer_id, "gbk-clid") % 200 == 0:
            return _q(text).encode("gbk", "replace")  # a trunk that sends GBK caller names
        return _q(text).encode()

    def hang_up(ch: Channel, end: float, dstchannel: str, answered_at: float) -> None:
        answered_at = ch.answered or answered_at
        accountcode = "hotline" if ch.queue == queues[0] else ""
        cdr_row(accountcode, ch.caller.number, ch.queue_ext, CDR_CONTEXT, clid_bytes(ch.caller), ch.name,
                dstchannel, "Queue", f"{ch.queue},t,,,,,,,,", ch.created, answered_at, end, "ANSWERED", ch.uid,
                (int(ch.created), ch.uid))

    def schedule_repeat(caller: Caller, queue: str, after: float, p: float) -> None:
        if not caller.number or caller.number == "anonymous" or rng.random() >= p:
            return
        if rng.random() < 0.55:
            at = after + rng.uniform(300, 3 * 3600)
        else:
            at = after + rng.uniform(0.5, 7) * 86400
        at = day.working(int(at), rng, OPEN_H, CLOSE_H)
        data = {"number": caller.number, "name": caller.name, "customer_id": caller.customer_id, "queue": queue}
        if at < day.t1:
            nonlocal order
            order += 1
            heapq.heappush(heap, Arrival(int(at), order, queue, caller))
        else:
            day.emit(int(at), "call", caller.number, data)

    while heap:
        arr = heapq.heappop(heap)
        t, q, caller = arr.at, arr.queue, arr.caller
        out.queue_calls += 1
        if arr.channel is None:
            created = t - rng.uniform(4, 30) + rng.random()
            ch = Channel(new_uid(created), chan("SIP/carrier"), created, caller)
            log(t, ch.uid, q, "NONE", "DID", did_number)
        else:
            ch = arr.channel
        ch.queue, ch.queue_ext = q, queue_ext[q]
        ch.answered = ch.answered or t
        wl = waiting[q]
        while wl and wl[0] <= t:
            heapq.heappop(wl)
        origpos = len(wl) + 1
        log(t, ch.uid, q, "NONE", "ENTERQUEUE", "", caller.number, origpos)
        # who can take it, and when: the member free soonest (least recently busy on a tie)
        best = _soonest(ready_heaps[q], windows[q], t)
        if rng.random() < 0.05:
            patience = rng.uniform(0, 4.9)  # hangs up during the greeting
        else:
            patience = 15 + rng.expovariate(1 / 150)  # most callers wait out a short queue
        pos = 1 + int((origpos - 1) * rng.random() * 0.5)
        if best is None:
            wait = rng.randint(0, 3)
            log(t + wait, ch.uid, q, "NONE", "EXITEMPTY", pos, origpos, wait)
            hang_up(ch, t + wait + rng.uniform(1, 20), "", t)
            schedule_repeat(caller, q, t, 0.5)
            continue
        cand, key = best
        agent = member_info[key.split("#")[0]]
        ring = rng.uniform(2, 8)
        rna = rng.random() < 0.07 and len(windows[q]) > 1
        connect = cand + ring + (15 if rna else 0)
        hold = connect - t
        if rna:
            other = member_info[rng.choice([k for k in windows[q] if k != key]).split("#")[0]]
            if cand + 15 < t + min(patience, 300):
                log(cand + 15, ch.uid, q, other[5], "RINGNOANSWER", 15000)
                cdr_row("", caller.number, ch.queue_ext, CDR_CONTEXT, clid_bytes(caller), ch.name,
                        chan(other[4]), "Queue", f"{q},t,,,,,,,,", cand, None, cand + 15, "NO ANSWER", ch.uid,
                        (int(cand), ch.uid, 0))
        if arr.hops == 0 and hold > 25 and len(queues) > 1 and rng.random() < 0.025:
            leave = t + rng.uniform(15, min(hold, 60))
            log(leave, ch.uid, q, "NONE", "EXITWITHKEY", 1, pos, origpos, int(leave - t))
            heapq.heappush(wl, leave)
            order += 1
            nq = rng.choice([x for x in queues if x != q])
            heapq.heappush(heap, Arrival(int(leave + rng.uniform(2, 8)), order, nq, caller, ch, 1))
            continue
        if patience < hold and patience < 300:
            gone = t + patience
            heapq.heappush(wl, gone)
            ringing = gone >= connect - ring
            if ringing:
                log(gone, ch.uid, q, agent[5], "RINGCANCELED", int((gone - (connect - ring)) * 1000))
            log(gone, ch.uid, q, agent[5] if ringing and rng.random() < 0.15 else "NONE", "ABANDON", pos, origpos, int(patience))
            hang_up(ch, gone, "", t)
            out.abandoned += 1
            schedule_repeat(caller, q, gone, 0.45)
            continue
        if hold >= 300:
            gone = t + 300
            heapq.heappush(wl, gone)
            log(gone, ch.uid, q, "NONE", "EXITWITHTIMEOUT", pos, origpos, 300)
            hang_up(ch, gone + rng.uniform(5, 40), "", t)  # to voicemail
            schedule_repeat(caller, q, gone, 0.45)
            continue
        heapq.heappush(wl, connect)
        member_uid = new_uid(connect - ring)
        member_chan = chan(agent[4])
        log(connect, ch.uid, q, agent[5], "CONNECT", int(hold), member_uid, int(ring))
        talk = min(3600.0, max(8.0, rng.lognormvariate(5.2, 0.6)))
        end = connect + talk
        heapq.heappop(ready_heaps[q])  # the member taken (the heap's head, see _soonest)
        nxt = _next_ready(windows[q][key], end + rng.uniform(5, 40))
        if nxt is not None:
            heapq.heappush(ready_heaps[q], (nxt, end, key))
        r = rng.random()
        if r < 0.05:
            log(end, ch.uid, q, agent[5], "BLINDTRANSFER", rng.choice(["8500", "8600", queue_ext[queues[-1]]]),
                "from-internal", int(hold), int(talk), origpos)
        elif r < 0.07:
            bridge = f"{stable_int(ch.uid, 'bridge'):032x}"
            bridge = f"{bridge[:8]}-{bridge[8:12]}-{bridge[12:16]}-{bridge[16:20]}-{bridge[20:32]}"
            log(end, ch.uid, q, agent[5], "ATTENDEDTRANSFER", "BRIDGE", bridge, int(hold), int(talk), origpos)
        elif r < 0.075:
            log(end, ch.uid, q, agent[5], "ATTENDEDTRANSFER", "LINK", member_chan, chan("SIP/8500"),
                int(hold), int(talk), origpos)
        else:
            log(end, ch.uid, q, agent[5], "COMPLETECALLER" if rng.random() < 0.55 else "COMPLETEAGENT",
                int(hold), int(talk), origpos)
        hang_up(ch, end, member_chan, t)
        out.answered += 1
        answered_calls.append((ch.uid, agent[0], int(connect), int(end)))
        outbound_agents.append((int(end), agent))
        schedule_repeat(caller, q, end, 0.2 if r < 0.075 else 0.08)
        if caller.customer_id and rng.random() < 0.04:
            s_at = int(end + rng.uniform(300, 3600))
            day.emit(s_at, "survey", ch.uid, survey_row(day, rng, caller.customer_id, "call", ch.uid, s_at, channel="sms"))

    # --- outbound calls (呼出): agents calling customers back after a call
    for end_at, agent in outbound_agents:
        if rng.random() >= 0.12 or not active:
            continue
        c = active[rng.randrange(len(active))]
        start = end_at + rng.uniform(60, 900)
        created = start + rng.random()
        uid = new_uid(created)
        disposition = rng.choices(["ANSWERED", "NO ANSWER", "BUSY", "FAILED"], [65, 20, 10, 5])[0]
        ext = agent[4].split("/")[-1]
        answered = created + rng.uniform(3, 25) if disposition == "ANSWERED" else None
        end = (answered + rng.uniform(20, 400)) if answered else created + rng.uniform(1, 30)
        num = digits(c[3])
        cdr_row("", ext, num, "from-internal", _q(f'"{agent[5]}" <{ext}>').encode(), chan(agent[4]),
                chan("SIP/carrier"), "Dial", f"SIP/carrier/{num},60,tT", created, answered, end, disposition, uid,
                (int(created), uid))
    day.counters["uid"] = counter[0]

    # --- QA evaluations of sampled answered calls (呼叫质量监控表)
    inspectors = day.by_role.get("qa_inspector", [])
    qa_rng = day.rng("qa")
    pool = [c for c in answered_calls if day.local_hour(c[3]) < 17.5 and c[3] < day.t1]
    if inspectors and pool and day.kind not in ("holiday", "weekend"):
        k = max(1, round(len(pool) * 0.06))
        for i, (uid, agent_id, _connect, end) in enumerate(sorted(qa_rng.sample(pool, min(k, len(pool))), key=lambda c: c[3])):
            scores = [max(0, min(20, int(qa_rng.gauss(17, 2.5)))) for _ in range(5)]
            fatal = qa_rng.random() < 0.03
            evaluated = int(end + qa_rng.uniform(1200, 3 * 3600))
            out.qa_rows.append([
                f"QA{day.day:%Y%m%d}{i + 1:04d}", uid, agent_id, inspectors[qa_rng.randrange(len(inspectors))][0],
                day.fmt.plain(evaluated), *map(str, scores), str(sum(scores)), "Y" if fatal else "N",
                qa_rng.choice(D.QA_COMMENTS) if not fatal else "严重违规：泄露客户信息",
            ])
    enc = stable_int(day.seed, day.day, "qa-encoding") % 100
    if enc < 20:
        out.qa_encoding, out.qa_newline = "gbk", "\r\n"
    elif enc < 35:
        out.qa_encoding, out.qa_newline = "utf-8-sig", "\r\n"
    out.qlog.sort(key=lambda x: (x[0], x[1]))
    out.cdr.sort(key=lambda x: (x[0], x[1]))
    return out


QA_HEADER = ["evaluation_id", "call_uniqueid", "agent_id", "inspector_id", "evaluated_at", "greeting", "listening",
             "accuracy", "compliance", "closing", "total_score", "fatal_error", "comment"]
