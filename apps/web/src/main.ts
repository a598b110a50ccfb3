import './rx-app.js';
