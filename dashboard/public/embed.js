/*
 * 好差评 portal widget, one <script> tag (R21):
 *   <script src="https://HOST/embed.js" data-token="EMBED_TOKEN" async></script>
 * Optional: data-region="12-digit code", data-department="id", data-lang="en", data-width="360px".
 * data-variant="bulletin" (with data-region): the latest approved bulletin (通报) of the region, its
 * headline and ranking, instead of the live figures (no token needed: approved bulletins are public).
 * It puts an <iframe> of HOST/widget right after itself and sizes it to the widget's height.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, window.location.href).origin;
  var params = new URLSearchParams();
  var data = script.dataset;
  if (data.token) params.set('token', data.token);
  if (data.region) params.set('region', data.region);
  if (data.department) params.set('department', data.department);
  if (data.lang) params.set('lang', data.lang);
  var frame = document.createElement('iframe');
  var path = data.variant === 'bulletin' ? '/widget/bulletin' : '/widget';
  frame.src = origin + path + (params.toString() ? '?' + params.toString() : '');
  frame.title = data.title || '政务服务好差评实时数据';
  frame.loading = 'lazy';
  frame.style.border = '0';
  frame.style.width = data.width || '100%';
  frame.style.maxWidth = '520px';
  frame.style.height = (data.height || '300') + 'px';
  frame.setAttribute('data-hcp-widget', '');
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener('message', function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var message = event.data;
    if (message && message.type === 'hcp:widget-height' && typeof message.height === 'number' && message.height > 0 && message.height < 5000) {
      frame.style.height = message.height + 'px';
    }
  });
})();
