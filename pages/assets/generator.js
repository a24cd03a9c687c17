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

  function setUpGenerator() {
    var form = document.getElementById('generator');
    var dataElement = document.getElementById('link-data');
    if (!form || !dataElement) { return; }
    var data = JSON.parse(dataElement.textContent);
    var partners = data.who;
    var who = document.getElementById('gen-who');
    var link = document.getElementById('gen-link');
    var ad = document.getElementById('gen-ad');
    var result = document.getElementById('gen-result');
    var status = document.getElementById('gen-status');

    function chosen() { return partners[who.selectedIndex] || partners[0]; }

    // The links a partner may use: all of them unless the data lists their positions.
    function linksOf(p) {
      return p.links ? p.links.map(function (i) { return data.links[i]; }) : data.links;
    }

    function fillChoices() {
      var p = chosen();
      var links = linksOf(p);
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
      var l = linksOf(p)[link.selectedIndex];
      if (!l) { return; }
      var a = ad.selectedIndex > 0 ? p.ads[ad.selectedIndex - 1] : null;
      result.value = data.base + l.code + '/' + p.code + (a ? '/' + a.code : '');
      status.textContent = 'Link generated.';
      result.focus();
      result.select();
    });
    fillChoices();
    form.hidden = false;
    var table = document.getElementById('all-links');
    if (table) { table.open = false; }
  }

  function setUpCopyButtons() {
    var buttons = document.querySelectorAll('button[data-copy]');
    Array.prototype.forEach.call(buttons, function (button) {
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
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
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

  setUpGenerator();
  setUpCopyButtons();
  setUpQrDownloads();
}());
