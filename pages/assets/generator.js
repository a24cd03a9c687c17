// Partner Center: the link generator and the copy buttons. The #link-data element holds each
// code once: the links, and the partner and its downline with their ads. A tracking link is
// the base, the link's code, "/", the partner's code and, with an ad, "/" and the ad's code.
(function () {
  'use strict';

  function option(select, value, text) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    select.appendChild(o);
  }

  function clear(select) {
    while (select.firstChild) { select.removeChild(select.firstChild); }
  }

  // The link generator's codes, or null on pages without the generator.
  function linkData() {
    var element = document.getElementById('link-data');
    return element ? JSON.parse(element.textContent) : null;
  }

  // The links a partner may use: all of them unless the data lists their positions.
  function linksOf(data, p) {
    return p.links ? p.links.map(function (i) { return data.links[i]; }) : data.links;
  }

  // The tracking link of partner `p` for link `l`, with ad `a` when given.
  function trackingUrl(data, l, p, a) {
    return data.base + l.code + '/' + p.code + (a ? '/' + a.code : '');
  }

  // Sets up the generator on `data`; returns a function that refills its choices (after the
  // partner created an ad).
  function setUpGenerator(data) {
    var form = document.getElementById('generator');
    if (!form || !data) { return function () {}; }
    var partners = data.who;
    var who = document.getElementById('gen-who');
    var link = document.getElementById('gen-link');
    var ad = document.getElementById('gen-ad');
    var result = document.getElementById('gen-result');
    var status = document.getElementById('gen-status');

    function chosen() { return partners[who.selectedIndex] || partners[0]; }

    function fillChoices() {
      var p = chosen();
      var links = linksOf(data, p);
      clear(link);
      links.forEach(function (l) { option(link, l.code, l.name); });
      clear(ad);
      option(ad, '', 'None');
      p.ads.forEach(function (a) { option(ad, a.code, a.name); });
      result.value = '';
      status.textContent = links.length ? '' : p.name + ' has no links to use yet.';
    }

    partners.forEach(function (p, i) {
      option(who, p.code, i === 0 ? p.name + ' (you)' : p.name);
    });
    who.addEventListener('change', fillChoices);
    link.addEventListener('change', function () { result.value = ''; });
    ad.addEventListener('change', function () { result.value = ''; });
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var p = chosen();
      var l = linksOf(data, p)[link.selectedIndex];
      if (!l) { return; }
      var a = ad.selectedIndex > 0 ? p.ads[ad.selectedIndex - 1] : null;
      result.value = trackingUrl(data, l, p, a);
      status.textContent = 'Link generated.';
      result.focus();
      result.select();
    });
    fillChoices();
    form.hidden = false;
    var table = document.getElementById('all-links');
    if (table) { table.open = false; }
    return fillChoices;
  }

  function setUpCopyButtons() {
    var buttons = document.querySelectorAll('button[data-copy]');
    Array.prototype.forEach.call(buttons, wireCopy);
  }

  // A copy button copies the value of the element its data-copy attribute names.
  function wireCopy(button) {
    var target = document.getElementById(button.getAttribute('data-copy'));
    if (!target) { return; }
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener('click', function () {
      var text = target.value;
      function done() {
        button.textContent = 'Copied';
        setTimeout(function () { button.textContent = label; }, 1500);
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { target.select(); });
      } else {
        target.select();
        try { document.execCommand('copy'); done(); } catch (e) { /* the text stays selected */ }
      }
    });
  }

  // The QR codes of My Ads: download each as SVG, or as a 1024-pixel PNG drawn from it.
  function setUpQrDownloads() {
    function save(blob, name) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name;
      document.body.appendChild(a);
      a.click();
      document.body.removeChild(a);
      // Kept a while: a busy browser may start the download late.
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
    }
    var figures = document.querySelectorAll('figure.qr');
    Array.prototype.forEach.call(figures, function (figure) {
      var svg = figure.querySelector('svg');
      var png = figure.querySelector('button.qr-png');
      var vector = figure.querySelector('button.qr-svg');
      if (!svg || !png || !vector) { return; }
      var name = figure.getAttribute('data-name') || 'qr';
      var text = new XMLSerializer().serializeToString(svg);
      vector.hidden = false;
      vector.addEventListener('click', function () {
        save(new Blob([text], { type: 'image/svg+xml' }), name + '.svg');
      });
      if (!window.HTMLCanvasElement || !HTMLCanvasElement.prototype.toBlob) { return; }
      png.hidden = false;
      png.addEventListener('click', function () {
        var image = new Image();
        var url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
        image.onload = function () {
          var canvas = document.createElement('canvas');
          canvas.width = 1024;
          canvas.height = 1024;
          var context = canvas.getContext('2d');
          context.imageSmoothingEnabled = false;
          context.drawImage(image, 0, 0, 1024, 1024);
          URL.revokeObjectURL(url);
          canvas.toBlob(function (blob) { if (blob) { save(blob, name + '.png'); } }, 'image/png');
        };
        image.src = url;
      });
    });
  }

  // Create Ad: the partner's new ads, kept in this browser until the program registers them.
  // Each gets a code made from its name (unique among the partner's ads), tracking links that
  // work at once (an unknown ad code still credits the partner and is counted under its code),
  // its [[ads]] entry for the program file and, when the program names its GitHub repository,
  // a link that proposes that entry as a new file.
  function setUpCreateAd(data, refresh) {
    var form = document.getElementById('create-ad');
    if (!form || !data) { return; }
    var me = data.who[0];
    var partner = form.getAttribute('data-partner');
    var propose = form.getAttribute('data-propose');
    var key = 'refcenter-ads:' + partner;
    var list = document.getElementById('new-ad-list');
    var box = document.getElementById('new-ads');
    var status = document.getElementById('ad-status');
    var registered = me.ads.map(function (a) { return a.code; });

    function load() {
      try { return JSON.parse(window.localStorage.getItem(key) || '[]'); } catch (e) { return []; }
    }
    function store(ads) {
      try { window.localStorage.setItem(key, JSON.stringify(ads)); return true; } catch (e) { return false; }
    }
    function slug(name) {
      var s = name.toLowerCase();
      if (s.normalize) { s = s.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''); }
      s = s.replace(/[^a-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/^-+|-+$/g, '').slice(0, 56);
      return s.replace(/-+$/, '') || 'ad';
    }
    function tomlString(text) {
      return '"' + text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\u0000-\u001f\u007f]/g, ' ') + '"';
    }
    function entry(ad) {
      var lines = ['[[ads]]', 'partner = ' + tomlString(partner), 'code = ' + tomlString(ad.code),
        'name = ' + tomlString(ad.name)];
      if (ad.description) { lines.push('description = ' + tomlString(ad.description)); }
      lines.push('media = ' + tomlString(ad.media), 'start = ' + ad.start);
      return lines.join('\n') + '\n';
    }
    function element(tag, text, attributes) {
      var e = document.createElement(tag);
      if (text) { e.textContent = text; }
      Object.keys(attributes || {}).forEach(function (k) { e.setAttribute(k, attributes[k]); });
      return e;
    }
    function show() {
      var ads = load();
      while (list.firstChild) { list.removeChild(list.firstChild); }
      // New ads join the generator's choices for the partner.
      me.ads = me.ads.filter(function (a) { return registered.indexOf(a.code) >= 0; });
      ads.forEach(function (ad) {
        if (registered.indexOf(ad.code) < 0) { me.ads.push({ code: ad.code, name: ad.name }); }
        var id = 'new-ad-' + ad.code;
        var item = element('section', null, { id: id, 'class': 'new-ad' });
        var heading = element('h4', ad.name + ' ');
        heading.appendChild(element('code', ad.code));
        heading.appendChild(document.createTextNode(' '));
        heading.appendChild(element('span', registered.indexOf(ad.code) >= 0 ? 'registered' : 'not registered yet', { 'class': 'tag' }));
        item.appendChild(heading);
        item.appendChild(element('p', ad.media + ', from ' + ad.start + (ad.description ? ': ' + ad.description : '')));
        var first = linksOf(data, me)[0];
        if (first) {
          var p = element('p');
          p.appendChild(element('label', 'Tracking link to ' + first.name, { 'for': id + '-link' }));
          var span = element('span', null, { 'class': 'copyable' });
          var input = element('input', null, { id: id + '-link', type: 'text', readonly: '' });
          input.value = trackingUrl(data, first, me, ad);
          span.appendChild(input);
          var copyLink = element('button', 'Copy', { type: 'button', 'class': 'copy', 'data-copy': id + '-link' });
          span.appendChild(copyLink);
          p.appendChild(span);
          item.appendChild(p);
        }
        item.appendChild(element('p', null)).appendChild(element('label', 'Its entry for the program file (ads/' + partner + '-' + ad.code + '.toml)', { 'for': id + '-toml' }));
        var toml = element('textarea', null, { id: id + '-toml', readonly: '', rows: '7' });
        toml.value = entry(ad);
        item.appendChild(toml);
        var actions = element('p');
        var copyToml = element('button', 'Copy entry', { type: 'button', 'class': 'copy', 'data-copy': id + '-toml' });
        actions.appendChild(copyToml);
        if (propose) {
          actions.appendChild(document.createTextNode(' '));
          var url = propose + '?filename=' + encodeURIComponent('ads/' + partner + '-' + ad.code + '.toml') +
            '&value=' + encodeURIComponent(entry(ad));
          actions.appendChild(element('a', 'Propose it on GitHub', { href: url, 'class': 'propose', rel: 'noopener' }));
        }
        actions.appendChild(document.createTextNode(' '));
        var remove = element('button', 'Remove', { type: 'button', 'class': 'remove' });
        remove.addEventListener('click', function () {
          store(load().filter(function (a) { return a.code !== ad.code; }));
          show();
        });
        actions.appendChild(remove);
        item.appendChild(actions);
        list.appendChild(item);
        wireCopy(copyLink);
        wireCopy(copyToml);
      });
      box.hidden = ads.length === 0;
      refresh();
    }

    var start = document.getElementById('ad-start');
    var now = new Date();
    start.value = now.getFullYear() + '-' + ('0' + (now.getMonth() + 1)).slice(-2) + '-' + ('0' + now.getDate()).slice(-2);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var name = document.getElementById('ad-name').value.trim();
      var day = start.value;
      if (!name || !/^\d{4}-\d{2}-\d{2}$/.test(day)) {
        status.textContent = 'Give the ad a name and a start date.';
        return;
      }
      var ads = load();
      var taken = registered.concat(ads.map(function (a) { return a.code; }));
      var base = slug(name);
      var code = base;
      for (var n = 2; taken.indexOf(code) >= 0; n += 1) { code = base + '-' + n; }
      ads.push({ code: code, name: name, media: document.getElementById('ad-media').value, start: day,
        description: document.getElementById('ad-description').value.trim() });
      if (!store(ads)) {
        status.textContent = 'This browser keeps no data for this page, so the ad cannot be kept.';
        return;
      }
      status.textContent = 'Ad ' + code + ' created.';
      document.getElementById('ad-name').value = '';
      document.getElementById('ad-description').value = '';
      show();
    });
    form.hidden = false;
    show();
  }

  var data = linkData();
  var refresh = setUpGenerator(data);
  setUpCopyButtons();
  setUpQrDownloads();
  setUpCreateAd(data, refresh);
}());
