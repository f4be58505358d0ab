// Seeded synthetic platform for the grooming-risk engine (issue 5). Produces events in time
// order plus ground truth. Text is neutral placeholder phrases per category only; nothing
// sexual, ever. Patterns are modelled on published descriptions of grooming behaviour
// (O'Connell 2003; Meta / Thorn public write-ups on spray contacting and block evasion), and
// the benign population deliberately includes accounts that look risky (coaches, teachers,
// relatives, popular teens, adults who game with teens). The simulator is NOT tuned to the
// rules: several groomer phrases are outside the default lexicon on purpose, some groomers
// lie about their age band, and some start from an existing friendship.

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
export const T0 = Date.parse('2026-03-01T00:00:00Z');

/** Deterministic PRNG (mulberry32). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Neutral chatter and per-category placeholder phrases. About a third of the grooming
// phrases are paraphrases that the default lexicon does not contain (realistic misses).
const NEUTRAL = [
  'hey',
  'hi how was your day',
  'did you see the game',
  'lol',
  'ok',
  'see you tomorrow',
  'did you finish the homework',
  'that level was hard',
  'good night',
  'nice one',
  'what are you playing',
  'haha same',
];
const GROOM = {
  flattery_isolation: [
    "you're so mature",
    'nobody understands you like I do',
    'you seem older than other kids',
    'you can trust me',
    'I get you better than your friends do',
  ],
  age_probe: ['how old are you', 'what grade are you in', 'so what age are you', 'how old r u'],
  location_probe: [
    'what school do you go to',
    'where do you live',
    'which part of town are you in',
    'are you home alone',
  ],
  gifts: [
    "I'll buy you robux",
    "I'll buy you a gift card",
    'want some free skins',
    'I can get you some credits',
  ],
  secrecy: [
    "don't tell your parents",
    'keep this between us',
    'this stays between you and me',
    'delete this chat after',
  ],
  off_platform: [
    'add me on <app>',
    'text me at 555 0100 200',
    "what's your number",
    "let's chat on another app",
    'find me @<handle>',
  ],
  image_request: [
    'send a photo',
    '[IMAGE_REQUEST_PLACEHOLDER]',
    'send me a pic of you',
    'can I see what you look like',
  ],
  meeting: ["let's meet up", 'we should meet', 'I can come to your town', 'can I pick you up'],
};
const COACH_TEXT = [
  'practice moved to 5pm',
  "let's meet up at the field at 4",
  'great game today',
  'bring your water bottle',
  'what school do you go to, for the roster',
  'well done today',
];
const PARENT_TEXT = [
  'did you finish your homework',
  'dinner at 7',
  'where are you',
  "I'll buy you a new jacket",
  "don't tell your dad about the surprise party",
  'love you',
  'call me when you are done',
];
const RELATIVE_TEXT = [
  'happy birthday',
  "I'll buy you a gift card for your birthday",
  'how old are you now',
  'when is your birthday again',
  'say hi to your mom',
  'see you at the holidays',
];
const GAMER_TEXT = [
  'gg',
  'nice play',
  'want to queue again',
  'that boss is hard',
  'add me on <app> for the team chat',
  'what rank are you',
];

/**
 * Generate a platform.
 * @param {object} o
 * @param {number} [o.seed=1]
 * @param {number} [o.accounts=6000] accounts at T0 (groomers' extra accounts come on top)
 * @param {number} [o.days=28]
 * @param {boolean} [o.text=true] include message text
 * @param {number} [o.missingAgeFraction=0] share of accounts whose ageBand is not sent
 * @param {number} [o.groomerRate=0.012] share of adults who groom
 * @param {1|2} [o.version=2] 1 = the first simulator (kept to compare against); 2 adds the
 *   realism below (families, intense parents, relatives' visits, escalating groomers who may
 *   befriend the child's friends first)
 * @returns {{events: object[], truth: Map<string, {role: string, groomer: boolean, pattern?: string}>}}
 */
export function simulate(o = {}) {
  const seed = o.seed ?? 1;
  const N = o.accounts ?? 6000;
  const days = o.days ?? 28;
  const withText = o.text ?? true;
  const missing = o.missingAgeFraction ?? 0;
  const groomerRate = o.groomerRate ?? 0.012;
  const v2 = (o.version ?? 2) >= 2;
  const rnd = mulberry32(seed);
  const END = T0 + days * DAY;
  const int = (a, b) => a + Math.floor(rnd() * (b - a + 1));
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const chance = (p) => rnd() < p;
  // Daytime-biased time in [from, to): most activity 08:00-23:00 UTC.
  const when = (from, to) => {
    for (let k = 0; k < 4; k++) {
      const t = from + rnd() * (to - from);
      const h = new Date(t).getUTCHours();
      if (h >= 8 || chance(0.15)) return t;
    }
    return from + rnd() * (to - from);
  };

  const events = [];
  const truth = new Map();
  const users = [];
  let nextId = 0;
  const push = (e) => events.push(e);
  const mkUser = (band, createdAt, role, groomer = false, pattern = undefined) => {
    // Ids reveal nothing about the role.
    const u = {
      id: `u${(nextId++ * 7919 + seed * 13) % 10_000_000}_${nextId}`,
      band,
      createdAt,
      role,
    };
    users.push(u);
    truth.set(u.id, groomer ? { role, groomer, pattern } : { role, groomer });
    const ev = {
      type: 'account',
      user: u.id,
      atMs: Math.min(createdAt, END - 1),
      createdAtMs: createdAt,
    };
    if (!chance(missing)) ev.ageBand = band;
    push(ev);
    return u;
  };
  const txt = (list) => (withText ? pick(list) : undefined);
  const msg = (from, to, t, text) => {
    const e = { type: 'message', from: from.id, to: to.id, atMs: t };
    if (withText && text !== undefined) e.text = text;
    push(e);
  };
  const request = (from, to, t, pAccept, acceptDelay = [5 * MIN, 12 * HOUR]) => {
    push({ type: 'contact_request', from: from.id, to: to.id, atMs: t });
    if (chance(pAccept)) {
      const ta = t + acceptDelay[0] + rnd() * (acceptDelay[1] - acceptDelay[0]);
      push({ type: 'contact_accept', from: to.id, to: from.id, atMs: ta });
      return ta;
    }
    return -1;
  };
  // Friendship that predates the simulated window (request + accept before T0). v2: in
  // families either side sends the request (`either`), not always the adult.
  const befriend = (a0, b0, either = false) => {
    const [a, b] = either && v2 && chance(0.5) ? [b0, a0] : [a0, b0];
    const t =
      Math.max(a.createdAt, b.createdAt) +
      rnd() * Math.max(HOUR, T0 - Math.max(a.createdAt, b.createdAt) - HOUR);
    push({ type: 'contact_request', from: a.id, to: b.id, atMs: Math.min(t, T0 - 2 * HOUR) });
    push({ type: 'contact_accept', from: b.id, to: a.id, atMs: Math.min(t + 10 * MIN, T0 - HOUR) });
  };
  const chat = (a, b, from, to, perDay, textA, textB, replyP) => {
    for (let d = from; d < to; d += DAY) {
      const n = Math.round(perDay * 2 * rnd());
      for (let k = 0; k < n; k++) {
        const t = when(d, Math.min(d + DAY, to));
        msg(a, b, t, txt(textA));
        if (chance(replyP)) msg(b, a, t + int(1, 30) * MIN, txt(textB));
      }
    }
  };
  const old = () => T0 - int(60, 1500) * DAY;

  // --- population
  const nMinor = Math.round(N * 0.4);
  const minors = [];
  const adults = [];
  for (let i = 0; i < nMinor; i++) {
    const r = rnd();
    const band = r < 0.25 ? 'under13' : r < 0.7 ? '13-15' : '16-17';
    minors.push(mkUser(band, old(), 'minor'));
  }
  for (let i = nMinor; i < N; i++) adults.push(mkUser('adult', old(), 'adult'));

  // Classes of ~25 same-band minors; friendships inside the class.
  const byBand = { under13: [], '13-15': [], '16-17': [] };
  for (const m of minors) byBand[m.band].push(m);
  const classes = [];
  for (const list of Object.values(byBand))
    for (let i = 0; i < list.length; i += 25) classes.push(list.slice(i, i + 25));
  for (const cls of classes) {
    for (const m of cls) {
      m.cls = cls;
      m.friends = [];
    }
    for (const m of cls) {
      const k = int(6, 12);
      for (let j = 0; j < k; j++) {
        const f = pick(cls);
        if (f === m || m.friends.includes(f)) continue;
        m.friends.push(f);
        f.friends.push(m);
        befriend(m, f);
      }
    }
  }
  // Adults: clusters of ~20 with friendships.
  for (let i = 0; i < adults.length; i += 20) {
    const cl = adults.slice(i, i + 20);
    for (const a of cl) a.friends ??= [];
    for (const a of cl) {
      for (let j = 0; j < int(4, 10); j++) {
        const f = pick(cl);
        if (f === a || a.friends.includes(f)) continue;
        a.friends.push(f);
        f.friends.push(a);
        befriend(a, f);
      }
    }
  }
  // Assign adult roles (benign).
  const shuffled = [...adults].sort(() => rnd() - 0.5);
  let ai = 0;
  const take = (n) => shuffled.slice(ai, (ai += n));
  const parents = take(Math.round(nMinor * 0.3));
  const relatives = take(Math.round(adults.length * 0.08));
  const coaches = take(Math.round(adults.length * 0.015));
  const heavy = take(Math.round(adults.length * 0.1));
  const gamers = take(Math.round(adults.length * 0.04));
  for (const [list, role] of [
    [parents, 'parent'],
    [relatives, 'relative'],
    [coaches, 'coach'],
    [heavy, 'heavy_adult'],
    [gamers, 'gamer_adult'],
  ]) {
    for (const a of list) {
      a.role = role;
      truth.get(a.id).role = role;
    }
  }

  // Minors chat with class friends.
  for (const m of minors) {
    for (const f of m.friends.slice(0, 5))
      if (m.id < f.id) chat(m, f, T0, END, 0.8, NEUTRAL, NEUTRAL, 0.7);
  }
  // Popular teens: many requests to minors of other classes, adjacent bands.
  for (const m of minors) {
    if (m.band === 'under13' || !chance(0.06)) continue;
    m.role = 'popular_teen';
    truth.get(m.id).role = 'popular_teen';
    const n = int(15, 50);
    for (let k = 0; k < n; k++) {
      const target = pick(
        chance(0.5)
          ? byBand[m.band]
          : minors.filter((x) => x.band !== 'under13').length
            ? byBand[m.band === '16-17' ? '13-15' : '16-17']
            : byBand[m.band],
      );
      if (target === m) continue;
      const t = when(T0, END);
      const ta = request(m, target, t, 0.6);
      if (ta > 0) chat(m, target, ta, Math.min(END, ta + 5 * DAY), 0.5, NEUTRAL, NEUTRAL, 0.8);
      if (ta < 0 && chance(0.04))
        push({ type: 'block', from: target.id, to: m.id, atMs: t + HOUR });
    }
  }
  // Parents: one to two kids each, daily messages; some parent texts hit lexicon phrases.
  // v2 (realism): families are connected on the platform the way they are in life — siblings
  // are contacts of each other, and 60% of families have a second guardian account (from the
  // parent's own circle) that is a contact of the parent and the kids. The other 40% are
  // single-guardian families: parent and child share no mutual contact, the hard case. A
  // quarter of parents message their kids intensely (about 4 messages a day, as often as a
  // slow-escalation groomer), so message volume alone does not separate them.
  const kidParents = new Map();
  for (const p of parents) {
    const kids = [pick(minors)];
    if (chance(0.4)) kids.push(pick(kids[0].cls));
    const perDay = v2 && chance(0.25) ? 4 : 1.5;
    for (const k of kids) {
      befriend(p, k, true);
      chat(p, k, T0, END, perDay, PARENT_TEXT, NEUTRAL, 0.6);
      if (v2) {
        if (!kidParents.has(k)) kidParents.set(k, []);
        kidParents.get(k).push(p);
      }
    }
    if (!v2) continue;
    if (kids.length === 2 && kids[0] !== kids[1]) befriend(kids[0], kids[1]);
    if (chance(0.6)) {
      const g = pick(p.friends.length ? p.friends : adults);
      if (g === p) continue;
      for (const k of kids) {
        befriend(g, k, true);
        chat(g, k, T0, END, 0.3, PARENT_TEXT, NEUTRAL, 0.6);
      }
    }
  }
  // Relatives: 2-4 minor relatives, weekly messages. v2: 60% are also a contact of the kid's
  // parent (when the parent has an account), and 20% have a week of intense chat (planning a
  // visit or a holiday) — a benign sudden escalation with a minor.
  for (const r of relatives) {
    const n = int(2, 4);
    for (let k = 0; k < n; k++) {
      const kid = pick(minors);
      befriend(r, kid, true);
      chat(r, kid, T0, END, 0.2, RELATIVE_TEXT, NEUTRAL, 0.5);
      if (!v2) continue;
      const ps = kidParents.get(kid);
      if (ps !== undefined && chance(0.6)) befriend(r, ps[0]);
      if (chance(0.2)) {
        const from = T0 + rnd() * (days - 7) * DAY;
        chat(r, kid, from, from + int(4, 8) * DAY, 3, RELATIVE_TEXT, NEUTRAL, 0.6);
      }
    }
  }
  // Coaches and teachers: a team of 12-25 minors; 25% are new accounts that send all the
  // requests inside the window; team-wide messages twice a week, one by one.
  for (const c of coaches) {
    const cls = pick(classes);
    const team = cls.slice(0, int(12, Math.min(25, cls.length)));
    if (chance(0.25)) {
      c.createdAt = T0 + rnd() * 5 * DAY;
      push({
        type: 'account',
        user: c.id,
        atMs: c.createdAt,
        createdAtMs: c.createdAt,
        ...(chance(missing) ? {} : { ageBand: 'adult' }),
      });
      let t = c.createdAt + HOUR;
      for (const kid of team) {
        t += rnd() * 20 * MIN;
        request(c, kid, t, 0.9, [10 * MIN, 24 * HOUR]);
      }
    } else for (const kid of team) befriend(c, kid);
    for (let d = T0; d < END; d += DAY) {
      if (!chance(2 / 7)) continue;
      let t = when(d, d + DAY - 2 * HOUR);
      const text = txt(COACH_TEXT);
      for (const kid of team) {
        t += rnd() * 3 * MIN;
        msg(c, kid, t, text);
        if (chance(0.4)) msg(kid, c, t + int(1, 60) * MIN, txt(NEUTRAL));
      }
    }
  }
  // Adults who message adults a lot; ordinary adults a little.
  for (const a of adults) {
    const heavyA = a.role === 'heavy_adult';
    const perDay = heavyA ? int(10, 40) : chance(0.5) ? 1 : 0;
    for (let d = T0; d < END; d += DAY) {
      for (let k = 0; k < perDay; k++) {
        const to =
          heavyA && chance(0.5) ? pick(adults) : pick(a.friends.length ? a.friends : adults);
        if (to === a) continue;
        const t = when(d, d + DAY);
        msg(a, to, t, txt(NEUTRAL));
        if (chance(0.6)) msg(to, a, t + int(1, 90) * MIN, txt(NEUTRAL));
      }
    }
    if (chance(0.03)) {
      const by = pick(adults);
      if (by !== a) push({ type: 'block', from: by.id, to: a.id, atMs: when(T0, END) });
    }
  }
  // Adults who game with teens: a few requests to 16-17s (some 13-15) without mutual contacts.
  for (const g of gamers) {
    const n = int(1, 4);
    for (let k = 0; k < n; k++) {
      const kid = pick(chance(0.7) ? byBand['16-17'] : byBand['13-15']);
      const t = when(T0, END - DAY);
      const ta = request(g, kid, t, 0.5);
      msg(g, kid, t + 5 * MIN, txt(GAMER_TEXT));
      if (ta > 0) chat(g, kid, ta, Math.min(END, ta + 7 * DAY), 0.7, GAMER_TEXT, NEUTRAL, 0.7);
      if (chance(0.1)) push({ type: 'block', from: kid.id, to: g.id, atMs: t + int(1, 48) * HOUR });
    }
  }
  // Ordinary friction: minors block a classmate now and then.
  for (const m of minors)
    if (chance(0.08)) {
      const who = pick(m.cls);
      if (who !== m) push({ type: 'block', from: m.id, to: who.id, atMs: when(T0, END) });
    }

  // --- groomers
  const nGroomers = Math.max(3, Math.round(adults.length * groomerRate));
  const lieBand = () => (chance(0.75) ? 'adult' : chance(0.6) ? 'unknown' : '16-17');
  const victims = () => minors.filter((m) => m.band !== '16-17' || chance(0.5));
  const pool = victims();
  // Escalating conversation: categories unlock over time, most messages stay neutral.
  const STAGES = [
    ['flattery_isolation', 0, 0.4],
    ['age_probe', 0.1, 0.5],
    ['location_probe', 0.2, 0.6],
    ['gifts', 0.3, 0.8],
    ['secrecy', 0.45, 1],
    ['off_platform', 0.55, 1],
    ['image_request', 0.65, 1],
    ['meeting', 0.75, 1],
  ];
  const groomText = (frac, pCat) => {
    if (!withText) return undefined;
    if (!chance(pCat)) return pick(NEUTRAL);
    const open = STAGES.filter(([, a, b]) => frac >= a && frac <= b);
    return open.length ? pick(GROOM[pick(open)[0]]) : pick(NEUTRAL);
  };
  // v2 with `escalate`: contact frequency rises over the relationship (from about a quarter of
  // `perDay` to about 1.75x, same total on average) — published analyses of grooming chats
  // describe contact growing more frequent and intense as the relationship deepens.
  const groomChat = (g, kid, from, to, perDay, pCat, replyP, escalate = false) => {
    for (let d = from; d < to; d += DAY) {
      const rate =
        v2 && escalate ? perDay * (0.25 + (1.5 * (d - from)) / Math.max(DAY, to - from)) : perDay;
      const n = Math.round(rate * (0.5 + rnd()));
      for (let k = 0; k < n; k++) {
        const t = when(d, Math.min(d + DAY, to));
        msg(g, kid, t, groomText((t - from) / Math.max(1, to - from), pCat));
        if (chance(replyP)) msg(kid, g, t + int(1, 45) * MIN, txt(NEUTRAL));
      }
    }
  };

  for (let i = 0; i < nGroomers; i++) {
    const pattern = ['spray', 'slow_escalation', 'block_evasion'][i % 3];
    if (pattern === 'spray') {
      const fresh = chance(0.7);
      const start = T0 + rnd() * (days - 10) * DAY;
      const g = mkUser(
        lieBand(),
        fresh ? start - rnd() * 10 * DAY : old(),
        'groomer',
        true,
        pattern,
      );
      let t = start;
      for (let b = int(2, 4); b > 0; b--) {
        const cls = pick(classes);
        const n = int(10, 35);
        for (let k = 0; k < n; k++) {
          t += rnd() * 8 * MIN;
          const kid = chance(0.3) ? pick(cls) : pick(pool);
          const ta = request(g, kid, t, 0.3);
          if (chance(0.3)) msg(g, kid, t + MIN, txt(NEUTRAL));
          if (ta > 0) groomChat(g, kid, ta, Math.min(END, ta + int(3, 10) * DAY), 2, 0.3, 0.5);
          if (chance(0.18))
            push({
              type: chance(0.7) ? 'block' : 'report',
              from: kid.id,
              to: g.id,
              atMs: t + int(30, 48 * 60) * MIN,
            });
        }
        t += int(1, 4) * DAY;
      }
    } else if (pattern === 'slow_escalation') {
      const g = mkUser(lieBand(), old(), 'groomer', true, pattern);
      const nT = chance(0.7) ? 1 : 2;
      for (let k = 0; k < nT; k++) {
        const kid = pick(pool);
        const start = T0 + rnd() * 7 * DAY;
        const end = Math.min(END, start + int(14, 21) * DAY);
        let from = start;
        // v2: 30% first befriend one or two of the child's friends, so that they share mutual
        // contacts when they reach the child (a known way to look trustworthy).
        if (v2 && chance(0.3) && kid.friends.length > 0) {
          for (let j = int(1, 2); j > 0; j--) {
            const f = pick(kid.friends);
            request(g, f, start - int(2, 10) * DAY, 1);
          }
        }
        if (chance(0.5)) befriend(g, kid);
        else {
          const ta = request(g, kid, start, 0.85);
          if (ta < 0) continue;
          from = ta;
        }
        groomChat(g, kid, from, end, 4, 0.25, 0.7, true);
        if (chance(0.12))
          push({
            type: chance(0.5) ? 'block' : 'report',
            from: kid.id,
            to: g.id,
            atMs: end - HOUR,
          });
      }
    } else {
      // Block evasion: a first account gets blocked by several minors, then fresh accounts
      // (often claiming unknown or teen age) come back to the same minors plus new ones.
      const start = T0 + rnd() * (days - 12) * DAY;
      const g = mkUser(
        lieBand(),
        chance(0.5) ? start - rnd() * 20 * DAY : old(),
        'groomer',
        true,
        pattern,
      );
      const targets = [];
      let t = start;
      for (let k = int(5, 12); k > 0; k--) {
        t += rnd() * 3 * HOUR;
        const kid = pick(pool);
        targets.push(kid);
        const ta = request(g, kid, t, 0.4);
        msg(g, kid, t + 2 * MIN, groomText(0.2, 0.5));
        if (ta > 0) groomChat(g, kid, ta, Math.min(END, ta + 2 * DAY), 2, 0.4, 0.5);
      }
      const blockers = [];
      for (const kid of targets) {
        if (chance(0.55)) {
          const tb = t + int(1, 36) * HOUR;
          push({ type: chance(0.7) ? 'block' : 'report', from: kid.id, to: g.id, atMs: tb });
          blockers.push(kid);
        }
      }
      let t2 = t + int(24, 72) * HOUR;
      for (let a = int(1, 3); a > 0 && t2 < END - DAY; a--) {
        const band = chance(0.5) ? 'unknown' : chance(0.5) ? '16-17' : 'adult';
        const g2 = mkUser(band, t2 - int(5, 120) * MIN, 'groomer', true, pattern);
        const again = blockers.filter(() => chance(0.6));
        for (let k = int(2, 6); k > 0; k--) again.push(pick(pool));
        for (const kid of again) {
          t2 += rnd() * 2 * HOUR;
          const ta = request(g2, kid, t2, 0.35);
          msg(g2, kid, t2 + MIN, groomText(0.3, 0.5));
          if (ta > 0) groomChat(g2, kid, ta, Math.min(END, ta + 2 * DAY), 2, 0.4, 0.5);
          if (chance(0.3))
            push({ type: 'block', from: kid.id, to: g2.id, atMs: t2 + int(1, 24) * HOUR });
        }
        t2 += int(12, 48) * HOUR;
      }
    }
  }

  // Fill in placeholders (no real handles or apps), order by time, add ISO times.
  for (const e of events) {
    if (e.text !== undefined)
      e.text = e.text.replace('<app>', 'otherapp').replace('<handle>', 'someone_123');
  }
  const live = events.filter((e) => e.atMs < END);
  for (const e of live)
    if (e.from !== undefined && e.from === e.to) throw new Error('simulator bug: self event');
  live.sort((a, b) => a.atMs - b.atMs);
  for (const e of live) {
    e.at = new Date(Math.floor(e.atMs)).toISOString();
    e.atMs = Math.floor(e.atMs);
    if (e.createdAtMs !== undefined) {
      e.createdAt = new Date(Math.floor(e.createdAtMs)).toISOString();
      e.createdAtMs = Math.floor(e.createdAtMs);
    }
  }
  return { events: live, truth };
}

/** Serialize events as NDJSON lines in the public format (without derived fields). */
export function toNdjsonLine(e) {
  const { atMs: _a, createdAtMs: _c, ...rest } = e;
  return JSON.stringify(rest);
}
