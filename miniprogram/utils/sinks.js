/**
 * Carbon sinks for residents (认领树苗): projects with their estimated yearly uptake, a
 * project's trees (on a map when they have coordinates), my adoptions and their
 * certificates.
 *
 * Two kinds of figure, never mixed up: an estimate (预估, ex-ante, from the methodology's
 * default) is always labelled 预估 and is never credited; the verified figure comes from
 * the year's monitoring (`credit`) and is what counts in my 碳汇.
 */

const api = require('./api');
const format = require('./format');
const reductions = require('./reductions');

const KINDS = { forest: '森林', grassland: '草地', wetland: '湿地' };
const KIND_ICONS = { forest: '🌲', grassland: '🌾', wetland: '🪷' };
const MARKER_FREE = '/assets/map/tree-free.png';
const MARKER_TAKEN = '/assets/map/tree-taken.png';

/** kg as the carbon label used everywhere else (18.4 kg, 1.2 吨). */
function kgText(kg) {
  return format.carbon(Math.round((Number(kg) || 0) * 1000));
}

/** The Asia/Shanghai year now: the server's "this year" for adoptions. */
function thisYear() {
  return Number(format.shanghaiDate().slice(0, 4));
}

function projectView(project) {
  const methodology = project.methodology || {};
  const price = Number(project.adoption_points) || 0;
  const perTree = methodology.basis === 'tree' ? Number(methodology.kg_per_year) || 0 : 0;
  return {
    id: project.id,
    name: project.name || '碳汇项目',
    kindText: KINDS[project.kind] || project.kind || '',
    icon: KIND_ICONS[project.kind] || '🌳',
    region: project.region || '',
    description: project.description || '',
    methodology: methodology.name || '',
    estimateText: kgText(project.estimated_kg_per_year),
    perTreeText: perTree ? kgText(perTree) : '',
    price,
    adoptable: price > 0,
    priceText: price > 0 ? `${price} 积分 / 棵·年` : '暂未开放认领',
  };
}

// Projects seen in the list, so the trees page can show its header without another call.
const known = {};

function rememberProjects(items) {
  (items || []).forEach((view) => {
    known[view.id] = view;
  });
}

/**
 * One project's view, from the list seen before or else from the public list (there is no
 * single-project endpoint). Resolves null when the project is not listed.
 */
async function findProject(id) {
  if (known[id]) return known[id];
  let cursor = null;
  for (let pages = 0; pages < 5; pages += 1) {
    // eslint-disable-next-line no-await-in-loop
    const page = await api.list('sinkProjects', { query: { limit: 100, cursor } });
    const views = page.items.map(projectView);
    rememberProjects(views);
    const found = views.find((view) => String(view.id) === String(id));
    if (found || !page.next_cursor) return found || null;
    cursor = page.next_cursor;
  }
  return null;
}

function hasPlace(tree) {
  return Number.isInteger(tree.latitude_e6) && Number.isInteger(tree.longitude_e6);
}

function treeView(tree, adoptable) {
  const dead = tree.status === 'dead';
  let stateText = '可认领';
  let stateClass = '';
  if (dead) {
    stateText = '已枯死';
    stateClass = 'grey';
  } else if (tree.adopted) {
    stateText = '已被认领';
    stateClass = 'grey';
  } else if (!adoptable) {
    stateText = '暂未开放认领';
    stateClass = 'grey';
  }
  return {
    id: tree.id,
    code: tree.code || '',
    species: tree.species || '树苗',
    title: `${tree.species || '树苗'} ${tree.code || ''}`.trim(),
    photo: tree.photo_url || '',
    plantedText: tree.planted_year ? `${tree.planted_year}年种植` : '',
    location: tree.location || '',
    free: !dead && !tree.adopted && adoptable,
    stateText,
    stateClass,
    hasPlace: hasPlace(tree),
    latitude: hasPlace(tree) ? tree.latitude_e6 / 1e6 : null,
    longitude: hasPlace(tree) ? tree.longitude_e6 / 1e6 : null,
  };
}

/**
 * The map for a project's trees, or null when none has coordinates (the page then shows a
 * list). Coordinates are given to WeChat's <map> as they are (it expects GCJ-02).
 */
function mapOf(trees) {
  const placed = trees.filter((t) => t.hasPlace);
  if (!placed.length) return null;
  const markers = placed.map((t) => ({
    id: t.id,
    latitude: t.latitude,
    longitude: t.longitude,
    iconPath: t.free ? MARKER_FREE : MARKER_TAKEN,
    width: 32,
    height: 32,
    title: t.title,
    callout: { content: `${t.title} · ${t.stateText}`, display: 'BYCLICK', padding: 6, borderRadius: 6, fontSize: 12 },
  }));
  const mean = (key) => placed.reduce((sum, t) => sum + t[key], 0) / placed.length;
  return {
    latitude: Math.round(mean('latitude') * 1e6) / 1e6,
    longitude: Math.round(mean('longitude') * 1e6) / 1e6,
    markers,
    points: placed.map((t) => ({ latitude: t.latitude, longitude: t.longitude })),
    unplaced: trees.filter((t) => !t.hasPlace),
  };
}

/**
 * What a replaced adoption says. A resident can never adopt a spare tree, so an active
 * adoption of a spare in the same project and year is the replacement; without one the
 * API does not say whether another tree or the points came back (no `replaces_id`).
 */
function replacementNotice(old, all) {
  const replacements = all.filter(
    (a) =>
      a.status === 'active' && a.tree && a.tree.spare && a.year === old.year &&
      a.project && old.project && a.project.id === old.project.id && a.id > old.id,
  );
  // Several dead trees of one project and year: pair them in order.
  const olds = all
    .filter((a) => a.status === 'replaced' && a.year === old.year && a.project && old.project && a.project.id === old.project.id)
    .sort((a, b) => a.id - b.id);
  // Only when every dead tree has its spare is the pairing certain.
  replacements.sort((a, b) => a.id - b.id);
  const match = replacements.length === olds.length ? replacements[olds.findIndex((a) => a.id === old.id)] : null;
  const species = (old.tree && old.tree.species) || '这棵树';
  if (match) {
    return `原认领的${species}已枯死，已为你更换为 ${match.tree.species} ${match.tree.code}（同一项目、同一年份），无需任何操作`;
  }
  return `原认领的${species}已枯死，已为你更换为同项目的另一棵树；没有可更换的树时，认领积分已退还（见积分明细）`;
}

function adoptionView(item, all) {
  const tree = item.tree || {};
  const project = item.project || {};
  const credit = item.credit || null;
  const replaced = item.status === 'replaced';
  let statusText = '认领中';
  let statusClass = '';
  if (replaced) {
    statusText = '已更换';
    statusClass = 'grey';
  } else if (credit) {
    statusText = '已核证';
  }
  return {
    id: item.id,
    year: item.year,
    title: `${tree.species || '树苗'} ${tree.code || ''}`.trim(),
    photo: tree.photo_url || '',
    projectName: project.name || '',
    region: project.region || '',
    icon: KIND_ICONS[project.kind] || '🌳',
    points: Number(item.points) || 0,
    replaced,
    statusText,
    statusClass,
    notice: replaced ? replacementNotice(item, all || [item]) : '',
    credited: !!credit && !replaced,
    verifiedText: credit ? kgText(credit.carbon_kg) : '',
    estimateText: kgText(item.estimated_kg),
    certificateId: (credit && credit.certificate_id) || '',
  };
}

/** The certificate page of one adoption (an Ant-Forest-like card). */
function certificateOf(item, all, nickname) {
  const view = adoptionView(item, all);
  return {
    ...view,
    holder: nickname || '低碳居民',
    yearText: `${item.year}年`,
    certificateUrl: view.certificateId ? reductions.certificateUrl(view.certificateId) : '',
  };
}

module.exports = {
  KINDS,
  MARKER_FREE,
  MARKER_TAKEN,
  kgText,
  thisYear,
  projectView,
  rememberProjects,
  findProject,
  treeView,
  mapOf,
  replacementNotice,
  adoptionView,
  certificateOf,
};
