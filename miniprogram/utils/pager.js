/**
 * Cursor pagination for list pages (`{items, next_cursor}` with ?limit=&cursor=).
 * Keeps the list state in the page's data under `key`:
 * {items, status: 'loading'|'ready'|'empty'|'error', message, hasMore, loadingMore}.
 */

const PAGE_SIZE = 20;

function initialState() {
  return { items: [], status: 'loading', message: '', hasMore: false, loadingMore: false };
}

/**
 * @param page the Page instance (setData, data)
 * @param {string} key data key holding the list state
 * @param {function} fetchPage ({limit, cursor}) => Promise<{items, next_cursor}>
 * @param {function} [mapItem] item => display item
 */
function create(page, key, fetchPage, mapItem) {
  let cursor = null;
  let generation = 0; // answers of an older refresh are ignored
  const map = mapItem || ((item) => item);

  function state() {
    return page.data[key] || initialState();
  }

  function set(patch) {
    page.setData({ [key]: { ...state(), ...patch } });
  }

  async function refresh(options = {}) {
    generation += 1;
    const mine = generation;
    if (!options.quiet || state().status !== 'ready') set({ ...initialState() });
    try {
      const result = await fetchPage({ limit: PAGE_SIZE, cursor: null });
      if (mine !== generation) return;
      cursor = result.next_cursor;
      const items = result.items.map(map);
      set({ items, status: items.length ? 'ready' : 'empty', hasMore: !!cursor, message: '', loadingMore: false });
    } catch (err) {
      if (mine !== generation) return;
      if (options.quiet && state().status === 'ready') wx.showToast({ title: err.message, icon: 'none' });
      else set({ status: 'error', message: err.message, loadingMore: false });
    }
  }

  async function more() {
    const current = state();
    if (!cursor || current.loadingMore || current.status !== 'ready') return;
    const mine = generation;
    set({ loadingMore: true });
    try {
      const result = await fetchPage({ limit: PAGE_SIZE, cursor });
      if (mine !== generation) return;
      cursor = result.next_cursor;
      set({ items: state().items.concat(result.items.map(map)), hasMore: !!cursor, loadingMore: false });
    } catch (err) {
      if (mine !== generation) return;
      set({ loadingMore: false });
      wx.showToast({ title: err.message, icon: 'none' });
    }
  }

  return { refresh, more, initialState };
}

module.exports = { create, initialState, PAGE_SIZE };
