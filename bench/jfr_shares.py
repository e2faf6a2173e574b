"""Where the learner's stream threads spend their time, from a JFR recording of PipelineBenchmark.

    jfr print --events jdk.ExecutionSample --stack-depth 512 pipeline.jfr > samples.txt
    python3 bench/jfr_shares.py samples.txt streamlearn-1-

The second argument is the start of the stream threads' names (the application id of the
rounds to look at). Prints each category's share of the samples whose stacks contain it
(inclusive), then the methods with the most samples on top of the stack (own time)."""
import re, sys, collections
txt = open(sys.argv[1]).read()
events = txt.split('jdk.ExecutionSample {')[1:]
cats = [
    ('the model step (predict + train)', r'streamlearn\.model\.OnlineModel\.step\('),
    ('  of which training', r'streamlearn\.nn\.Trainer\.(trainOnClass|train)\('),
    ('  of which the prediction: forward', r'streamlearn\.nn\.Trainer\.predict\('),
    ('parsing the reading', r'streamlearn\.(stream\.InputDecoder|format\.ReadingParser)\.'),
    ('writing the prediction JSON', r'streamlearn\.model\.PredictionJson\.'),
    ('Micrometer (timers, counters)', r'io\.micrometer\.'),
    ('forwarding the prediction to the producer', r'org\.apache\.kafka\.streams\.processor\.internals\.RecordCollectorImpl\.send'),
    ('marking models changed', r'streamlearn\.stream\.ModelStore\.markDirty'),
    ('writing changed models at commit', r'streamlearn\.stream\.ModelStore\.(flush|commit)'),
    ('model lookup', r'streamlearn\.stream\.ModelStore\.get'),
    ('windowed metrics', r'streamlearn\.(stream\.LearnerProcessor\.rollWindow|model\.PrequentialMetrics)'),
    ('LearnerProcessor.process (all of the above but parsing)', r'streamlearn\.stream\.LearnerProcessor\.process\('),
    ('committing (EOS transaction)', r'org\.apache\.kafka\.streams\.processor\.internals\.TaskManager\.commit'),
    ('polling the consumer', r'org\.apache\.kafka\.clients\.consumer\.(internals\.)?\w*Consumer\w*\.poll'),
]
total = 0
hits = collections.Counter()
own = collections.Counter()
truncated = 0
for e in events:
    m = re.search(r'sampledThread = "([^"]*)"', e)
    if not m or not m.group(1).startswith(sys.argv[2]):
        continue
    frames = re.findall(r'^\s+([\w$.<>]+\([^)]*\))', e.split('stackTrace = [', 1)[1], re.M) if 'stackTrace = [' in e else []
    if '...' in e.split('stackTrace = [', 1)[-1]:
        truncated += 1
    total += 1
    stack = '\n'.join(frames)
    for name, rx in cats:
        if re.search(rx, stack):
            hits[name] += 1
    if frames:
        own[re.sub(r'\(.*', '', frames[0])] += 1
print('samples', total, 'truncated', truncated)
for name, _ in cats:
    print('%6.1f%%  %s' % (100.0 * hits[name] / max(total, 1), name))
print('own time:')
for k, v in own.most_common(15):
    print('%6.1f%%  %s' % (100.0 * v / total, k))
