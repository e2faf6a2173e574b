"""Where the learner's stream threads spend their time, from a JFR recording of PipelineBenchmark.

    jfr print --events jdk.ExecutionSample --stack-depth 512 pipeline.jfr > samples.txt
    python3 bench/jfr_shares.py samples.txt streamlearn-1-

The second argument is the start of the stream threads' names (the application id of the
rounds to look at). Prints each category's share of the samples whose stacks contain it
(inclusive), then the methods with the most samples on top of the stack (own time).

Each category names frames as `package.Class.method` (`*` for any method of the class), and may
be limited to frames called from (below them on the stack) another frame. Two self-checks keep
the categories honest, and each fails loudly (a non-zero exit) rather than print a 0% that means "renamed":
  - every streamlearn class and method a category names exists under src/main/java (the names
    follow the code, not the code's history);
  - every category matches at least one sample of the selected threads, unless it is marked
    `optional` (a path the default benchmark need not take). `--lenient` reports instead of failing.
    python3 bench/jfr_shares.py --check    runs only the first check (no profile needed)."""
import collections
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'main', 'java')

# (name, frames, called from (or None; '!frame': not through that frame, i.e. it is not above them), optional)
CATS = [
    ('the model step (predict + train)', ['streamlearn.model.OnlineModel.step', 'streamlearn.model.OnlineModel.learnLate'], None, False),
    ('  of which training', ['streamlearn.nn.Trainer.trainOnClass', 'streamlearn.nn.Trainer.train'], None, False),
    ('  of which the prediction: forward', ['streamlearn.nn.Trainer.predict'], None, False),
    ('  of which the drift detector', ['streamlearn.model.Adwin.*'], None, False),
    ('parsing the reading (format.ReadingParser, stream.InputDecoder.decode)',
     ['streamlearn.format.ReadingParser.*', 'streamlearn.stream.InputDecoder.decode'], None, False),
    ('routing it (stream.InputRouter, parsing included, not what it forwards to)',
     ['streamlearn.stream.InputRouter.process'], '!org.apache.kafka.streams.processor.internals.ProcessorContextImpl.forward', False),
    ('writing the prediction JSON (format.PredictionJson)', ['streamlearn.format.PredictionJson.*'], None, False),
    ('Micrometer (timers, counters)', ['io.micrometer.*'], None, False),
    ('  of which the timers (Micrometer Timer.record)', ['io.micrometer.core.instrument.*Timer*.record'], None, True),
    ('handing the prediction to the producer',
     ['org.apache.kafka.streams.processor.internals.RecordCollectorImpl.send'], 'streamlearn.stream.LearnerProcessor.prediction',
     False),
    ('pending readings (model.PendingReadings: remember, match, expire)', ['streamlearn.model.PendingReadings.*'], None, True),
    ('  of which keeping an unlabeled reading (PendingReadings.remember)', ['streamlearn.model.PendingReadings.remember'],
     None, True),
    ('model store per record (stream.ModelStore: lookup, held inputs)',
     ['streamlearn.stream.ModelStore.cached', 'streamlearn.stream.ModelStore.load', 'streamlearn.stream.ModelStore.peek',
      'streamlearn.stream.ModelStore.tookReading', 'streamlearn.stream.ModelStore.tookLateLabel',
      'streamlearn.stream.ModelStore.closedWindow'], None, False),
    ('model store at commit (stream.ModelStore.flush/commit)',
     ['streamlearn.stream.ModelStore.flush', 'streamlearn.stream.ModelStore.commit'], None, True),
    ('windowed metrics (stream.ModelState windows, model.PrequentialMetrics)',
     ['streamlearn.stream.ModelState.advanceWindow', 'streamlearn.stream.ModelState.closeIfQuiet',
      'streamlearn.model.PrequentialMetrics.*'], None, True),
    ('the task readiness check (PartitionGroup.readyToProcess)',
     ['org.apache.kafka.streams.processor.internals.PartitionGroup.readyToProcess'], None, True),
    ('  of which its log text (String.format, KAFKA-19682)', ['java.lang.String.format'],
     'org.apache.kafka.streams.processor.internals.PartitionGroup.readyToProcess', True),
    ('the learner core (stream.Learner: reading, label, command)',
     ['streamlearn.stream.Learner.reading', 'streamlearn.stream.Learner.label', 'streamlearn.stream.Learner.command'],
     None, False),
    ('LearnerProcessor.process (the learner core and its sinks)', ['streamlearn.stream.LearnerProcessor.process'], None, False),
    ('committing (EOS transaction)', ['org.apache.kafka.streams.processor.internals.TaskManager.commit'], None, False),
    ('polling the consumer', ['org.apache.kafka.clients.consumer.*Consumer*.poll'], None, False),
]


def frame_regex(frames):
    """`pkg.Class.method`, `pkg.Class.*` (any method), `pkg.*` (anything under a package, a lower-case
    last name), `*` inside a class name: any characters of a (nested) class name."""
    parts = []
    for f in frames:
        cls, method = f.rsplit('.', 1)
        if method == '*' and cls.rsplit('.', 1)[-1][:1].islower():
            parts.append(re.escape(cls) + r'\.[\w$.<>]+\(')
            continue
        rx = re.escape(cls).replace(r'\*', r'[\w$.]*')
        rx += r'\.' + (r'[\w$<>]+' if method == '*' else re.escape(method)) + r'\('
        parts.append(rx)
    return re.compile('^(?:' + '|'.join(parts) + ')')


def check_sources():
    """Every streamlearn class and method named above exists in src/main/java."""
    problems = []
    for name, frames, caller, _ in CATS:
        for f in frames + ([caller.lstrip('!')] if caller else []):
            if not f.startswith('streamlearn.'):
                continue
            cls, method = f.rsplit('.', 1)
            path = os.path.join(SRC, *cls.split('.')) + '.java'
            if not os.path.isfile(path):
                problems.append('%s: no class %s (%s)' % (name.strip(), cls, path))
                continue
            if method != '*' and not re.search(r'\b' + re.escape(method) + r'\s*\(', open(path).read()):
                problems.append('%s: no method %s in %s' % (name.strip(), method, cls))
    return problems


def main(argv):
    lenient = '--lenient' in argv
    argv = [a for a in argv if a != '--lenient']
    problems = check_sources()
    if problems:
        sys.exit('jfr_shares.py: the categories do not match the sources:\n  ' + '\n  '.join(problems))
    if argv[1:2] == ['--check']:
        print('categories match src/main/java')
        return
    txt = open(argv[1]).read()
    events = txt.split('jdk.ExecutionSample {')[1:]
    compiled = [(name, frame_regex(frames), (caller[0] == '!', frame_regex([caller.lstrip('!')])) if caller else None,
                 optional) for name, frames, caller, optional in CATS]
    total = 0
    hits = collections.Counter()
    own = collections.Counter()
    truncated = 0
    for e in events:
        m = re.search(r'sampledThread = "([^"]*)"', e)
        if not m or not m.group(1).startswith(argv[2]):
            continue
        body = e.split('stackTrace = [', 1)[1] if 'stackTrace = [' in e else ''
        frames = re.findall(r'^\s+([\w$.<>]+\([^)]*\))', body, re.M)
        if '...' in body:
            truncated += 1
        total += 1
        for name, rx, caller, _ in compiled:
            if caller is None:
                if any(rx.search(f) for f in frames):
                    hits[name] += 1
            else:
                # frames are innermost first: a caller is below the frame, a frame it went through above
                negated, other = caller
                for i, f in enumerate(frames):
                    if not rx.search(f):
                        continue
                    if negated != any(other.search(g) for g in (frames[:i] if negated else frames[i + 1:])):
                        hits[name] += 1
                        break
        if frames:
            own[re.sub(r'\(.*', '', frames[0])] += 1
    if total == 0:
        sys.exit('jfr_shares.py: no samples of threads starting with %r in %s' % (argv[2], argv[1]))
    print('samples', total, 'truncated', truncated)
    for name, _, _, _ in compiled:
        print('%6.1f%%  %s' % (100.0 * hits[name] / total, name))
    print('own time:')
    for k, v in own.most_common(15):
        print('%6.1f%%  %s' % (100.0 * v / total, k))
    empty = [name.strip() for name, _, _, optional in compiled if hits[name] == 0 and not optional]
    if empty:
        message = ('jfr_shares.py: these categories match no sample of the selected threads (renamed code, or '
                   'the wrong threads?):\n  ' + '\n  '.join(empty))
        if lenient:
            print(message, file=sys.stderr)
        else:
            sys.exit(message)


if __name__ == '__main__':
    main(sys.argv)
