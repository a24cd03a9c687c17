// Partner Center: the link generator and the copy buttons. Every tracking link is prebuilt
// into the page (the #link-data element); this script only picks among them.
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
    var partners = JSON.parse(dataElement.textContent);
    var who = document.getElementById('gen-who');
    var link = document.getElementById('gen-link');
    var ad = document.getElementById('gen-ad');
    var result = document.getElementById('gen-result');
    var status = document.getElementById('gen-status');

    function chosen() { return partners[who.selectedIndex] || partners[0]; }

    function fillChoices() {
      var p = chosen();
      clear(link);
      p.links.forEach(function (l) { option(link, l.code, l.name); });
      clear(ad);
      option(ad, '', 'None');
      p.ads.forEach(function (a) { option(ad, a.code, a.name); });
      result.value = '';
      status.textContent = p.links.length ? '' : p.name + ' has no links to use yet.';
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
      var l = p.links[link.selectedIndex];
      if (!l) { return; }
      result.value = l.urls[ad.selectedIndex] || l.urls[0];
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

  setUpGenerator();
  setUpCopyButtons();
}());
