#!/usr/bin/env node
// Generates samples/label_studio.sqlite3: a small, realistic Label Studio (Community) SQLite
// database in Django's storage format (text JSON written like Python json.dumps, naive-UTC datetime
// text, 0/1 booleans, char(32) uuids), for the README quick start:
//   npx labelstream export --from samples/label_studio.sqlite3 --project 1 --format JSON_MIN --to -
// Project 1: 120 images with bounding boxes (RectangleLabels); project 2: 80 texts with a sentiment
// classification (Choices). 4 users, skipped and ground-truth annotations, drafts, predictions,
// comments, file uploads and a few `$undefined$` plain-text imports. Deterministic (seeded).
// Usage: node scripts/make-sample-db.mjs [out-file]

import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'samples', 'label_studio.sqlite3');
const schema = readFileSync(join(root, 'test', 'fixtures', 'label-studio-schema.sqlite.sql'), 'utf8');

// Seeded PRNG (mulberry32), so the file is the same on every run.
let seed = 42;
function rnd() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(rnd() * list.length)];
const round = (x, d = 2) => Number(x.toFixed(d));
const hex = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
const regionId = () => Array.from({ length: 10 }, () => pick('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')).join('');

/** Python json.dumps: ", " and ": " separators, non-ASCII escaped, floats keep a ".0". */
function py(v) {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) && v._float ? `${v}.0` : JSON.stringify(v);
  if (typeof v === 'string' || typeof v === 'boolean') {
    return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${py(k)}: ${py(x)}`).join(', ')}}`;
}

/** Django's SQLite datetime text: naive UTC, microseconds only when non-zero. */
function dt(ms, micros = 0) {
  const iso = new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  const us = (new Date(ms).getUTCMilliseconds() * 1000 + micros) % 1_000_000;
  return us === 0 ? iso : `${iso}.${String(us).padStart(6, '0')}`;
}

const T0 = Date.UTC(2025, 2, 3, 9, 0, 0);
let clock = T0;
const tick = (maxSeconds) => {
  clock += Math.floor(rnd() * maxSeconds * 1000);
  return dt(clock, Math.floor(rnd() * 1000));
};

if (existsSync(out)) rmSync(out);
mkdirSync(dirname(out), { recursive: true });
const db = new Database(out);
db.pragma('journal_mode = DELETE');
db.exec(schema);

const ins = (table, row) => {
  const cols = Object.keys(row);
  db.prepare(`INSERT INTO "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(
    ...cols.map((c) => (typeof row[c] === 'boolean' ? (row[c] ? 1 : 0) : row[c])),
  );
};

const IMAGE_CONFIG = `<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Car" background="green"/>
    <Label value="Pedestrian" background="blue"/>
    <Label value="Bicycle" background="orange"/>
  </RectangleLabels>
</View>`;
const TEXT_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>`;

const users = [
  { id: 1, email: 'admin@example.com', first_name: 'Ada', last_name: 'Admin' },
  { id: 2, email: 'maria@example.com', first_name: 'María', last_name: 'González' },
  { id: 3, email: 'kenji@example.com', first_name: 'Kenji', last_name: '' },
  { id: 4, email: 'annotator4@example.com', first_name: '', last_name: '' },
];
const annotators = [2, 3, 4];

const build = db.transaction(() => {
  ins('organization', { id: 1, title: 'Sample org', created_by_id: 1, created_at: dt(T0), updated_at: dt(T0) });
  for (const u of users) {
    ins('htx_user', {
      id: u.id, password: '!', is_superuser: u.id === 1, username: u.email, email: u.email, first_name: u.first_name,
      last_name: u.last_name, phone: '', avatar: '', is_staff: u.id === 1, is_active: true, date_joined: dt(T0), activity_at: dt(T0),
      active_organization_id: 1, allow_newsletters: null,
    });
  }
  ins('project', { id: 1, title: 'Street scenes', organization_id: 1, label_config: IMAGE_CONFIG, created_by_id: 1, maximum_annotations: 1, model_version: 'yolo-v8n', data_types: py({ image: 'Image' }), created_at: dt(T0), updated_at: dt(T0) });
  ins('project', { id: 2, title: 'Review sentiment', organization_id: 1, label_config: TEXT_CONFIG, created_by_id: 1, maximum_annotations: 1, model_version: 'sentiment-bert', data_types: py({ text: 'Text' }), created_at: dt(T0), updated_at: dt(T0) });
  ins('data_import_fileupload', { id: 1, user_id: 1, project_id: 1, file: 'upload/1/5f3a9c1e-street_images.json' });
  ins('data_import_fileupload', { id: 2, user_id: 1, project_id: 2, file: 'upload/2/b7d20e44-reviews.csv' });
  ins('data_import_fileupload', { id: 3, user_id: 1, project_id: 2, file: 'upload/2/0c9e8f12-more_reviews.txt' });

  let taskId = 0;
  let annId = 0;
  let predId = 0;
  let draftId = 0;
  const reviews = [
    'Great value, would buy again.', 'Arrived broken and support never answered.', 'It is okay. Nothing special.',
    'Ótimo produto, entrega rápida!', 'Die Qualität ist leider schlecht.', 'とても使いやすいです。', 'Meh — does what it says, "mostly".',
    'Terrible battery life; returned it.', 'Five stars: the fit is perfect.', 'Average. The manual is confusing.',
  ];
  const label = (v) => ({ choices: [v] });

  for (let i = 0; i < 200; i++) {
    const project = i < 120 ? 1 : 2;
    const id = ++taskId;
    const created = tick(600);
    let data;
    let fileUpload = null;
    let meta = {};
    if (project === 1) {
      data = { image: `https://ls-sample.example.com/street/frame_${String(i + 1).padStart(4, '0')}.jpg`, camera: pick(['north', 'south']) };
      fileUpload = i < 100 ? 1 : null;
    } else if ((i - 120) % 16 === 15) {
      data = { $undefined$: pick(reviews) }; // plain-text import: exported under the config's "text"
      fileUpload = 3;
    } else {
      data = { text: pick(reviews), product_id: 1000 + i };
      fileUpload = 2;
      meta = { source: pick(['web', 'app']) };
    }
    const anns = [];
    const r = rnd();
    const nAnn = r < 0.25 ? 0 : r < 0.9 ? 1 : 2;
    for (let k = 0; k < nAnn; k++) {
      const skipped = rnd() < 0.06;
      const user = annotators[(i + k) % annotators.length];
      let result = [];
      if (!skipped && project === 1) {
        const boxes = 1 + Math.floor(rnd() * 3);
        for (let b = 0; b < boxes; b++) {
          const x = round(rnd() * 70, 4);
          const y = round(rnd() * 70, 4);
          result.push({
            id: regionId(), type: 'rectanglelabels',
            value: { x, y, width: round(5 + rnd() * 25, 4), height: round(5 + rnd() * 25, 4), rotation: 0, rectanglelabels: [pick(['Car', 'Pedestrian', 'Bicycle'])] },
            origin: 'manual', to_name: 'image', from_name: 'label', image_rotation: 0, original_width: 1280, original_height: 720,
          });
        }
      } else if (!skipped) {
        result = [{ id: regionId(), type: 'choices', value: label(pick(['Positive', 'Negative', 'Neutral'])), origin: 'manual', to_name: 'text', from_name: 'sentiment' }];
      }
      const at = tick(3600);
      anns.push({
        id: ++annId, result: py(result), task_id: id, project_id: project, completed_by_id: user, updated_by_id: user,
        was_cancelled: skipped, ground_truth: !skipped && i % 40 === 7, created_at: at, updated_at: at,
        draft_created_at: rnd() < 0.5 ? at : null, lead_time: round(3 + rnd() * 90, 3), prediction: '{}',
        result_count: result.length, parent_prediction_id: null, parent_annotation_id: null, unique_id: hex(32),
        import_id: null, last_action: skipped ? 'skipped' : 'submitted', last_created_by_id: user, bulk_created: false,
      });
    }
    const preds = [];
    if (rnd() < 0.5) {
      const pAt = tick(60);
      const result =
        project === 1
          ? [{ id: regionId(), type: 'rectanglelabels', score: round(rnd(), 3), value: { x: round(rnd() * 70, 4), y: round(rnd() * 70, 4), width: 12.5, height: 20.25, rotation: 0, rectanglelabels: ['Car'] }, origin: 'prediction', to_name: 'image', from_name: 'label', original_width: 1280, original_height: 720 }]
          : [{ id: regionId(), type: 'choices', value: label(pick(['Positive', 'Negative'])), origin: 'prediction', to_name: 'text', from_name: 'sentiment' }];
      preds.push({ id: ++predId, result: py(result), score: round(rnd(), 4), model_version: project === 1 ? 'yolo-v8n' : 'sentiment-bert', model_id: null, model_run_id: null, cluster: null, neighbors: null, mislabeling: 0, task_id: id, project_id: project, created_at: pAt, updated_at: pAt });
    }
    const drafts = [];
    if (rnd() < 0.12) {
      const user = annotators[(i + 1) % annotators.length];
      const dAt = tick(600);
      drafts.push({ id: ++draftId, result: project === 1 ? '[]' : py([{ id: regionId(), type: 'choices', value: label('Neutral'), origin: 'manual', to_name: 'text', from_name: 'sentiment' }]), lead_time: round(rnd() * 30, 3), task_id: id, annotation_id: null, user_id: user, was_postponed: rnd() < 0.3, import_id: null, created_at: dAt, updated_at: dAt });
    }
    const comments = i % 23 === 5 ? [1, annotators[i % 3]] : [];
    const updated = anns.length ? anns[anns.length - 1].updated_at : created;
    ins('task', {
      id, data: py(data), meta: py(meta), project_id: project, created_at: created, updated_at: updated, updated_by_id: anns.length ? anns[anns.length - 1].completed_by_id : null,
      is_labeled: anns.some((a) => !a.was_cancelled), allow_skip: true, overlap: 1, file_upload_id: fileUpload, inner_id: project === 1 ? i + 1 : i - 119,
      total_annotations: anns.filter((a) => !a.was_cancelled).length, cancelled_annotations: anns.filter((a) => a.was_cancelled).length,
      total_predictions: preds.length, precomputed_agreement: null, comment_count: comments.length ? 1 : 0, unresolved_comment_count: 0,
      last_comment_updated_at: comments.length ? updated : null,
    });
    for (const p of preds) ins('prediction', p);
    for (const a of anns) ins('task_completion', a);
    for (const d of drafts) ins('tasks_annotationdraft', d);
    for (const u of [...new Set(comments)]) ins('task_comment_authors', { task_id: id, user_id: u });
  }
});
build();
db.exec('VACUUM');
db.close();
console.log(`wrote ${out}`);
