<?php $db_password = 'secret'; ?>
